"""The route table is the one place access is decided; it must cover exactly what the services serve."""

from __future__ import annotations

import importlib
import re

import pytest
from gateway.errors import MethodNotAllowed
from gateway.main import create_app
from gateway.routing.matcher import RouteMatcher
from gateway.routing.table import OPEN_PATHS, ROUTES, SERVICES, WRITE_METHODS, Route
from hotline_shared.errors import NotFound
from hotline_shared.identity import STAFF_ROLES, Role

# Every method and path of ../shared/api.md, copied by hand from the contract.
CONTRACT = [
    ("POST", "/api/v1/cases"), ("POST", "/api/v1/cases/batch"), ("GET", "/api/v1/cases/{case_no}"),
    ("GET", "/api/v1/cases"), ("GET", "/api/v1/catalog/topics"), ("GET", "/api/v1/catalog/areas"),
    ("GET", "/api/v1/orders"), ("GET", "/api/v1/orders/{order_id}"), ("POST", "/api/v1/orders/{order_id}/sign"),
    ("POST", "/api/v1/orders/{order_id}/return"), ("POST", "/api/v1/orders/{order_id}/contact"),
    ("POST", "/api/v1/orders/{order_id}/extensions"), ("POST", "/api/v1/extensions/{extension_id}/decision"),
    ("POST", "/api/v1/orders/{order_id}/pauses"), ("POST", "/api/v1/pauses/{pause_id}/decision"),
    ("POST", "/api/v1/orders/{order_id}/resume"), ("POST", "/api/v1/orders/{order_id}/reply"),
    ("POST", "/api/v1/cases/{case_no}/dispatch"), ("GET", "/api/v1/dispatch-queue"),
    ("GET", "/api/v1/calendar/deadline"), ("GET", "/api/v1/calendar/{year}"), ("PUT", "/api/v1/calendar/{year}"),
    ("GET", "/api/v1/units"), ("GET", "/api/v1/routing-rules"), ("GET", "/api/v1/policies"),
    ("GET", "/api/v1/supervision/overdue"), ("GET", "/api/v1/supervision/near-due"),
    ("POST", "/api/v1/supervision/urges"), ("GET", "/api/v1/supervision/units/{unit_id}/metrics"),
    ("GET", "/api/v1/supervision/rankings"), ("GET", "/api/v1/public/cases/{case_no}"),
    ("POST", "/api/v1/public/cases/{case_no}/rating"), ("GET", "/api/v1/public/board"), ("GET", "/api/v1/callbacks"),
    ("POST", "/api/v1/callbacks/{case_no}"), ("GET", "/api/v1/cases/{case_no}/timeline"),
    ("GET", "/api/v1/reports/summary"),
]  # fmt: skip
PERSONAL_DATA_READS = {
    "/api/v1/cases/{case_no}", "/api/v1/cases", "/api/v1/cases/{case_no}/timeline", "/api/v1/orders/{order_id}",
}  # fmt: skip


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def test_every_contract_route_is_in_the_table() -> None:
    table = {(r.method, _shape(r.path)) for r in ROUTES}
    missing = [(m, p) for m, p in CONTRACT if (m, _shape(p)) not in table]
    assert missing == []


def test_table_has_no_duplicates_and_valid_entries() -> None:
    keys = [(r.method, _shape(r.path)) for r in ROUTES]
    assert len(keys) == len(set(keys))
    for route in ROUTES:
        assert route.service in (*SERVICES, "console", "gateway"), route
        assert route.roles, route
        assert route.path.startswith("/")
        assert route.path not in OPEN_PATHS


def test_writes_and_personal_data_reads_are_audited() -> None:
    for route in ROUTES:
        if route.method in WRITE_METHODS or route.path in PERSONAL_DATA_READS:
            assert route.audited, route
    assert {r.path for r in ROUTES if r.method == "GET" and r.audited} >= PERSONAL_DATA_READS


def test_staff_only_routes_never_admit_the_public_and_public_pages_are_public() -> None:
    by_key = {(r.method, r.path): r for r in ROUTES}
    for path in ("/api/v1/public/cases/{case_no}", "/api/v1/public/board", "/board", "/track"):
        assert by_key[("GET", path)].public_only
    for route in ROUTES:
        if route.audited and route.method == "GET":
            assert Role.public not in route.roles, route
        if route.service == "gateway" and route.path != "/api/v1/me":  # /me only tells a caller about itself
            assert route.roles == {Role.admin}, route
    assert by_key[("GET", "/api/v1/me")].roles == STAFF_ROLES


def test_matcher_prefers_literal_segments_and_answers_404_and_405() -> None:
    matcher = RouteMatcher()
    assert matcher.match("GET", "/api/v1/calendar/deadline").route.path == "/api/v1/calendar/deadline"
    m = matcher.match("GET", "/api/v1/calendar/2027")
    assert m.route.path == "/api/v1/calendar/{year}"
    assert m.params == {"year": "2027"}
    assert matcher.match("GET", "/api/v1/routing-rules/match").route.path == "/api/v1/routing-rules/match"
    assert matcher.match("HEAD", "/api/v1/public/board").route.method == "GET"
    with pytest.raises(MethodNotAllowed) as exc:
        matcher.match("DELETE", "/api/v1/orders/7")
    assert exc.value.headers["Allow"] == "GET"
    assert matcher.match("GET", "/console").route.service == "console"
    m = matcher.match("POST", "/console/orders/D-1/sign")
    assert (m.route.service, m.params) == ("console", {"page": "orders/D-1/sign"})
    for path in ("/api/v1/orders/7/sign/now", "/api/v1/orders/", "/api/v1", "/admin", "/api/v1/cases//dispatch"):
        with pytest.raises(NotFound):
            matcher.match("GET", path)


def _gateway_api_routes() -> set[tuple[str, str]]:
    paths = create_app().openapi()["paths"]
    return {(method.upper(), path) for path, item in paths.items() if path.startswith("/api/") for method in item}


def test_gateway_admin_routes_match_the_table_exactly() -> None:
    table = {(r.method, r.path) for r in ROUTES if r.service == "gateway"}
    assert _gateway_api_routes() == table


@pytest.mark.parametrize("service", SERVICES)
def test_table_covers_exactly_what_each_service_serves(service: str) -> None:
    """A route added to a service without a table entry would be unreachable (404) — or worse, a
    table entry without a service route would be an untested door. Both directions must match."""
    app = importlib.import_module(f"{service}.main").create_app()
    served = {
        (method.upper(), _shape(path))
        for path, item in app.openapi()["paths"].items()
        if path not in OPEN_PATHS
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }
    table = {(r.method, _shape(r.path)) for r in ROUTES if r.service == service}
    assert sorted(served - table) == [], f"{service} serves routes the gateway table does not list"
    assert sorted(table - served) == [], f"the gateway table lists routes {service} does not serve"


def test_route_entries_are_readable() -> None:
    # The table is meant to be read by people: a Route prints as what it allows.
    route = next(r for r in ROUTES if r.path == "/api/v1/orders/{order_id}/sign")
    assert isinstance(route, Route)
    assert route.roles == {Role.unit}
    assert route.service == "dispatch"
    assert route.audited

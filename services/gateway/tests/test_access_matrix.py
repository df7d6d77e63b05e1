"""Every route × every caller, through the real gateway to the real services, generated from the table.

For each cell the gateway's decision is exact: 401 (no key where one is needed, an expired or a
revoked key), 403 (a role the table does not allow), or forwarded — and a forwarded request must
reach the owning service once, carry a valid signature for the right identity, and be accepted
past the service's own role check (the service enforces the same table: defence in depth). A new
route in the table is walked automatically; a route a service serves without a table entry fails
test_route_table.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
from gateway.routing.table import ROUTES, WRITE_METHODS, Route
from hotline_shared.identity import IDENTITY_HEADER, Role, verify_identity
from hotline_shared.testing.identity import TEST_SECRET, signed_headers

from .conftest import SCOPES, STATION_ID, UNIT_ID, Stack

PRINCIPALS = ("anonymous", "operator", "station", "unit", "supervisor", "admin", "expired", "revoked")
SAMPLE_PARAMS = {
    "case_no": "20261123-000001", "order_id": "1", "extension_id": "1", "pause_id": "1", "year": "2026",
    "unit_id": UNIT_ID, "rule_id": "1", "policy_id": "1", "day": "2026-12-01", "job_id": "1", "key_id": "no-such-key",
    "photo_id": "0" * 32,
    "code": "listed_urge", "point_id": "1", "month": "2026-11", "entry_id": "1", "crossing_id": "1",
    "quarter": "2026-Q4",
    "page": "no-such-page",
}  # fmt: skip


def concrete(path: str) -> str:
    return re.sub(r"\{([a-z_]+)(?::path)?\}", lambda m: SAMPLE_PARAMS[m.group(1)], path)


def gateway_decision(route: Route, principal: str) -> int | None:
    """What the gateway itself must answer; None means "let it through"."""
    if route.public_only:
        return None
    if principal == "anonymous":
        return None if route.allows_anonymous else 401
    if principal in ("expired", "revoked"):
        return 401
    return None if Role(principal) in route.roles else 403


def forwarded_role(route: Route, principal: str) -> Role:
    if route.public_only or principal == "anonymous":
        return Role.public
    return Role(principal)


def _request_kwargs(route: Route) -> dict[str, Any]:
    return {"json": {}} if route.method in WRITE_METHODS else {}


async def test_every_route_for_every_caller_through_the_gateway(stack: Stack) -> None:
    problems: list[str] = []
    cells = 0
    transport = httpx.ASGITransport(app=stack.gateway)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        for route in ROUTES:
            for principal in PRINCIPALS:
                cells += 1
                recorder = stack.recorders.get(route.service)
                before = len(recorder.requests) if recorder else 0
                response = await client.request(
                    route.method, concrete(route.path), headers=stack.headers[principal], **_request_kwargs(route)
                )
                where = f"{route.method} {route.path} as {principal}: got {response.status_code}"
                expected = gateway_decision(route, principal)
                sent = recorder.requests[before:] if recorder else []
                if expected is not None:
                    if response.status_code != expected:
                        problems.append(f"{where}, expected {expected}")
                    elif not response.headers["content-type"].startswith("application/problem+json"):
                        problems.append(f"{where}: not problem+json")
                    if sent:
                        problems.append(f"{where}: was forwarded although refused")
                    continue
                if response.status_code in (401, 403, 405) or response.status_code >= 500:
                    problems.append(f"{where}, expected the owning service's answer ({response.text[:160]})")
                if recorder is None:
                    continue  # the gateway's own admin routes
                if len(sent) != 1:
                    problems.append(f"{where}: reached {route.service} {len(sent)} times")
                    continue
                identity = verify_identity(sent[0].headers[IDENTITY_HEADER], TEST_SECRET)
                if identity.role is not forwarded_role(route, principal):
                    problems.append(f"{where}: forwarded as {identity.role.value}")
                if identity.role is Role.unit and identity.unit_id != UNIT_ID:
                    problems.append(f"{where}: unit scope lost")
                if identity.role is Role.station and identity.station_id != STATION_ID:
                    problems.append(f"{where}: station scope lost")
                if "authorization" in sent[0].headers:
                    problems.append(f"{where}: the API key leaked to {route.service}")
    assert cells == len(ROUTES) * len(PRINCIPALS)
    assert problems == [], "\n".join(problems)


async def test_services_refuse_what_did_not_come_through_the_gateway_and_agree_on_roles(stack: Stack) -> None:
    """Defence in depth: straight at each service (a leaked internal port), with no signature, a
    forged one, and each role's genuine signature: the service must decide as the table does."""
    problems: list[str] = []
    forged = signed_headers(Role.admin, secret="not-the-gateway-secret-0123456789")
    for route in ROUTES:
        if route.service in ("gateway", "console"):
            continue  # the console's pages are public to the gateway; it checks its own sessions
        inner = stack.recorders[route.service].inner
        async with httpx.AsyncClient(transport=inner, base_url="http://service") as direct:
            path = concrete(route.path)
            kwargs = _request_kwargs(route)
            for label, headers in (("no signature", {}), ("forged signature", forged)):
                r = await direct.request(route.method, path, headers=headers, **kwargs)
                if r.status_code != 401:
                    problems.append(f"{route.method} {route.path} with {label}: got {r.status_code}, expected 401")
            roles = [Role.public] if route.public_only else list(Role)
            for role in roles:
                r = await direct.request(
                    route.method, path, headers=signed_headers(role, **SCOPES.get(role.value, {})), **kwargs
                )
                refused = r.status_code in (401, 403)
                if refused == (role in route.roles):
                    want = "accepted" if role in route.roles else "403"
                    problems.append(f"{route.method} {route.path} as {role.value}: got {r.status_code}, want {want}")
    assert problems == [], "\n".join(problems)

"""Issue 19: the client address comes from the deployed edge only, read from its real configuration.

The compose file gives nginx a fixed address and tells the gateway to trust exactly that; nginx
replaces any X-Forwarded-For with the address it saw. These tests send the gateway the headers
nginx.conf sets, from nginx's address, and the same headers from anywhere else.
"""

from __future__ import annotations

import ipaddress
import json
import re
from pathlib import Path

import httpx
import yaml
from fastapi import FastAPI
from gateway.main import create_app
from hotline_shared.clock import ManualClock
from hotline_shared.identity import IDENTITY_HEADER, verify_identity
from hotline_shared.testing.identity import TEST_SECRET

from .conftest import KeyMaker, RecordingTransport

REPO = Path(__file__).resolve().parents[3]
NGINX = (REPO / "deploy" / "nginx.conf").read_text()
COMPOSE = yaml.safe_load((REPO / "docker-compose.yml").read_text())


def compose_trusted_proxies() -> list[str]:
    value = COMPOSE["services"]["gateway-api"]["environment"]["GATEWAY_TRUSTED_PROXIES"]
    return list(json.loads(value))


def edge_address() -> str:
    return str(COMPOSE["services"]["edge"]["networks"]["edge"]["ipv4_address"])


def nginx_headers(remote_addr: str, client_headers: dict[str, str]) -> dict[str, str]:
    """What nginx sends upstream for a client at ``remote_addr``: its proxy_set_header lines, evaluated."""
    variables = {"$remote_addr": remote_addr, "$scheme": "https", "$host": "12345.example.gov.cn",
                 "$hotline_request_id": "edge-req-1"}  # fmt: skip
    sent = dict(client_headers)
    for name, value in re.findall(r"^\s*proxy_set_header\s+(\S+)\s+(\S+);", NGINX, flags=re.M):
        assert value in variables, f"nginx sets {name} from {value}; teach this test what that is"
        sent = {k: v for k, v in sent.items() if k.lower() != name.lower()}
        sent[name] = variables[value]
    return sent


def test_compose_trusts_exactly_the_edge_and_nginx_overwrites_forwarded_for() -> None:
    assert compose_trusted_proxies() == [f"{edge_address()}/32"]
    edge_net = COMPOSE["networks"]["edge"]["ipam"]["config"][0]
    # Docker hands out dynamic addresses from ip_range only, so no other container gets nginx's.
    address = ipaddress.ip_address(edge_address())
    assert address in ipaddress.ip_network(edge_net["subnet"])
    assert address not in ipaddress.ip_network(edge_net["ip_range"])
    on_edge = sorted(name for name, svc in COMPOSE["services"].items() if "edge" in (svc.get("networks") or []))
    assert on_edge == ["edge", "gateway-api"]
    assert re.search(r"proxy_set_header\s+X-Forwarded-For\s+\$remote_addr;", NGINX)


async def _seen_ip(app: FastAPI, peer: str, headers: dict[str, str], transport: RecordingTransport) -> str | None:
    async with app.router.lifespan_context(app):
        asgi = httpx.ASGITransport(app=app, client=(peer, 40000))
        async with httpx.AsyncClient(transport=asgi, base_url="http://gw") as c:
            r = await c.get("/api/v1/cases", headers=headers)
    assert r.status_code == 200, r.text
    return verify_identity(transport.requests[-1].headers[IDENTITY_HEADER], TEST_SECRET).client_ip


async def test_regression_behind_the_edge_each_citizen_is_their_own_address(
    make_settings: object,
    clock: ManualClock,
    intake_transport: RecordingTransport,
    make_key: KeyMaker,
    client: httpx.AsyncClient,  # runs the fixture app, whose database make_key writes to
) -> None:
    settings = make_settings(trusted_proxies=compose_trusted_proxies())  # type: ignore[operator]
    app = create_app(settings, clock=clock, transports={"intake": intake_transport})
    key = await make_key("operator")
    # A client that forges X-Forwarded-For at the edge: nginx replaces it with the real address.
    headers = nginx_headers("198.51.100.23", {**key, "X-Forwarded-For": "10.0.0.1"})
    assert await _seen_ip(app, edge_address(), headers, intake_transport) == "198.51.100.23"
    other = nginx_headers("203.0.113.5", key)
    assert await _seen_ip(app, edge_address(), other, intake_transport) == "203.0.113.5"


async def test_regression_a_client_not_at_the_edge_cannot_choose_its_address(
    make_settings: object,
    clock: ManualClock,
    intake_transport: RecordingTransport,
    make_key: KeyMaker,
    client: httpx.AsyncClient,  # runs the fixture app, whose database make_key writes to
) -> None:
    key = await make_key("operator")
    for trusted in ([], compose_trusted_proxies()):
        settings = make_settings(trusted_proxies=trusted)  # type: ignore[operator]
        app = create_app(settings, clock=clock, transports={"intake": intake_transport})
        # The headers nginx would send, but straight from a local client (the embedded stack's case).
        forged = nginx_headers("203.0.113.99", key)
        assert await _seen_ip(app, "127.0.0.1", forged, intake_transport) == "127.0.0.1"

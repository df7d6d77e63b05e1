"""The assembled stack, through the gateway, the way clients use it — including while parts of it
are down. These also prove the `stack` fixture's fault helpers work on the real services."""

from __future__ import annotations

import time

import httpx
from hotline_stack import Stack

from .helpers import orders_for, public_case, register, wait_for


def test_every_service_is_ready_and_the_gateway_checks_api_keys(stack: Stack, gateway: httpx.Client) -> None:
    for service, url in stack.urls.items():
        response = httpx.get(f"{url}/readyz", timeout=10)
        assert response.status_code == 200, (service, response.text)
        assert response.json()["checks"] == {"database": "ok", "redis": "ok"}
    assert gateway.get("/api/v1/cases").status_code == 401
    forged = {"Authorization": "Bearer hk_not_a_real_key_000000000"}
    assert gateway.get("/api/v1/cases", headers=forged).status_code == 401
    assert gateway.get("/api/v1/cases", headers=stack.auth("operator")).status_code == 200


def test_a_registered_case_becomes_a_dispatched_order_and_is_publicly_trackable(
    stack: Stack, gateway: httpx.Client
) -> None:
    case = register(gateway, stack)
    orders = wait_for("the order", lambda: orders_for(gateway, stack, case["case_no"]))
    assert {o["status"] for o in orders} == {"dispatched"}

    public = public_case(gateway, stack, case["case_no"], case["lookup_code"])
    text = str(public)
    assert case["phone"] not in text, "a public answer must not carry the caller's phone number"
    assert "张三" not in text, "nor the caller's name"
    wrong = gateway.get(f"/api/v1/public/cases/{case['case_no']}", params={"code": "000000"})
    assert wrong.status_code == 404


def test_a_case_accepted_while_the_dispatch_worker_is_down_is_dispatched_when_it_returns(
    live_stack: Stack, gateway: httpx.Client
) -> None:
    live_stack.kill("dispatch-worker")
    try:
        case = register(gateway, live_stack)
        time.sleep(2)
        assert orders_for(gateway, live_stack, case["case_no"]) == [], "nobody was there to dispatch it"
    finally:
        live_stack.restart("dispatch-worker")
    assert wait_for("the order after the restart", lambda: orders_for(gateway, live_stack, case["case_no"]))


def test_a_case_accepted_just_before_redis_crashes_still_reaches_dispatch(
    live_stack: Stack, gateway: httpx.Client
) -> None:
    case = register(gateway, live_stack)
    live_stack.kill("redis")  # SIGKILL, whatever the relay had or had not published yet
    try:
        time.sleep(1)
    finally:
        live_stack.redis_restart(kill=False)
    assert wait_for("the order after Redis came back", lambda: orders_for(gateway, live_stack, case["case_no"]))
    live_stack.wait_ready()

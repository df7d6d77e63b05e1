"""The staff console end to end: real Chromium (Debian's), through the gateway, against the real stack.

A supervisor watches a fresh order turn red when the stack's clock is moved past its deadline and
urges it; a unit signs and replies (and sees the API's field errors next to the fields); an
operator records the callback; scoping holds (another unit's order, a station on the board); and
forged CSRF tokens, expired sessions and tampered cookies are refused with a page, changing nothing.
Screenshots of every page land in test-artifacts/ (or $HOTLINE_TEST_ARTIFACTS).
"""

from __future__ import annotations

import re
import time
import uuid
from datetime import datetime
from typing import Any, TypeVar

import httpx
import pytest
import redis
from hotline_shared.testing.browser import ARTIFACTS
from hotline_shared.testing.waiting import wait_for
from hotline_stack import Stack

# Starting the stack and restarting it for the time travel take minutes on a busy 2-core machine.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

T = TypeVar("T")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
DONE = re.compile(r".*\?done=.+")


def key_of(stack: Stack, **scope: str) -> str:
    for k in stack.api_keys:
        if all(getattr(k, name) == value for name, value in scope.items()):
            return k.key
    raise KeyError(scope)


def api(stack: Stack, key: str) -> httpx.Client:
    return httpx.Client(base_url=stack.gateway_url, headers={"Authorization": f"Bearer {key}"}, timeout=30)


def register_case(stack: Stack, *, title: str) -> dict[str, Any]:
    """An operator registers a wage complaint (routed to 人社局 U-RS-001, a unit with a demo key); its lead order."""
    body = {
        "channel": "phone",
        "category": "complaint",
        "topic_code": "LD-LDBZ-TQGZ",
        "title": title,
        "description": "我在一家装修公司工作了三个月，老板一直拖欠工资不发，请帮忙讨薪。",
        "caller": {"name": "赵志明", "phone": "139" + str(uuid.uuid4().int)[:8]},
        "location": {"district_code": "D03", "street_code": "D03-S01", "community_code": "D03-S01-C01"},
    }
    with api(stack, stack.api_key("operator")) as operator:
        answer = operator.post("/api/v1/cases", json=body, headers={"Idempotency-Key": str(uuid.uuid4())})
        assert answer.status_code == 201, answer.text
        case_no = answer.json()["case_no"]
    with api(stack, stack.api_key("supervisor")) as supervisor:

        def lead_order() -> dict[str, Any] | None:
            items = supervisor.get("/api/v1/orders", params={"case_no": case_no}).json()["items"]
            return next((o for o in items if o["role"] == "lead"), None)

        order = wait_for(f"{case_no} to be dispatched", lead_order)
    return {**order, "phone": body["caller"]["phone"]}


def order_status(stack: Stack, order_id: str) -> str:
    with api(stack, stack.api_key("supervisor")) as supervisor:
        status: str = supervisor.get(f"/api/v1/orders/{order_id}").json()["status"]
        return status


def shoot(page: Any, name: str) -> None:
    path = ARTIFACTS / f"console-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 5_000, f"{path.name} looks empty"


def sign_in(chromium: Any, stack: Stack, key: str, *, viewport: dict[str, int] = DESKTOP) -> tuple[Any, Any]:
    context = chromium.new_context(viewport=viewport, locale="zh-CN")
    # Generous: the shared CI machine may be busy; a real failure still fails, only later.
    context.set_default_timeout(90_000)
    page = context.new_page()
    page.goto(f"{stack.gateway_url}/console/")
    page.wait_for_url("**/console/login")
    page.fill("#api_key", key)
    page.click("form[action='/console/login'] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("header .who").count() == 1, page.content()
    # The key went to the server once and never comes back: not in the page, not readable by scripts.
    assert key not in page.content()
    assert key not in page.evaluate("document.cookie")
    assert "hotline_console" not in page.evaluate("document.cookie")  # HttpOnly
    return context, page


def no_overflow(page: Any, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


# -- the supervisor ------------------------------------------------------------------------------


def test_supervisor_watches_a_fresh_order_turn_red_after_time_travel_and_urges_it(
    console_stack: Stack, chromium: Any
) -> None:
    stack = console_stack
    order = register_case(stack, title="占道经营噪音扰民（督办测试）")
    context, page = sign_in(chromium, stack, stack.api_key("supervisor"))
    try:
        assert page.url.endswith("/console/board")
        assert page.locator("h1").inner_text().startswith("督办看板")
        # A fresh order is green: not on the board yet, and its own page says so.
        assert page.locator(f"tr[data-order='{order['order_id']}']").count() == 0
        shoot(page, "supervisor-board-before")
        page.goto(f"{stack.gateway_url}/console/orders/{order['order_id']}")
        assert order["case_no"] in page.locator("h1").inner_text()
        assert page.locator("h1 .light.green").count() == 1
        assert page.locator("#order-status").inner_text() == "待签收"
        shoot(page, "supervisor-order-fresh")

        # The stack's time travel: every service restarts with its clock past the sign-for deadline.
        due = datetime.fromisoformat(order["sign_due_at"])
        stack.set_clock_offset((due - datetime.now(due.tzinfo)).total_seconds() + 3600, timeout=180)

        page.goto(f"{stack.gateway_url}/console/board")
        row = page.locator(f"tr[data-order='{order['order_id']}'][data-light='red']")
        # The board refreshes itself (no reload): wait for the row to appear in place.
        row.wait_for(timeout=120_000)
        assert "超期" in row.locator("td.late").inner_text()
        assert "签收期限" in row.inner_text()
        shoot(page, "supervisor-board-red")

        # Filtering by another unit hides it; by its own unit shows it.
        page.select_option("#f-unit", "U-CG-001" if order["unit_id"] != "U-CG-001" else "U-RS-001")
        page.click("form.filters button[type=submit]")
        page.wait_for_load_state()
        assert page.locator(f"tr[data-order='{order['order_id']}']").count() == 0
        page.select_option("#f-unit", order["unit_id"])
        page.click("form.filters button[type=submit]")
        page.wait_for_load_state()
        row = page.locator(f"tr[data-order='{order['order_id']}'][data-light='red']")
        assert row.count() == 1

        row.locator("a.button").click()
        page.wait_for_url(f"**/console/orders/{order['order_id']}/urge")
        assert "确认督办" in page.locator("h1").inner_text()
        shoot(page, "supervisor-urge-confirm")
        page.check("input[name=level][value=supervise]")
        page.fill("#urge-note", "请今天内签收并联系群众")
        page.click("#urge-form button[type=submit]")
        page.wait_for_url(re.compile(r".*/console/orders/[^/]+\?done=urged$"))
        assert "督办已发出" in page.locator("[role=status]").inner_text()
        assert page.locator("h1 .light.red").count() == 1
        shoot(page, "supervisor-order-urged")
        with api(stack, stack.api_key("supervisor")) as supervisor:
            view = supervisor.get(f"/api/v1/supervision/orders/{order['order_id']}").json()
        assert any(u["level"] == "supervise" and u["note"] == "请今天内签收并联系群众" for u in view["urges"])

        page.goto(f"{stack.gateway_url}/console/approvals")
        assert page.locator("h1").inner_text() == "审批队列"
        shoot(page, "supervisor-approvals")

        # Fourteen API calls (a year of monthly summaries) and 4.8 MB of plotly.js: slow on a busy 2-core box.
        page.goto(f"{stack.gateway_url}/console/charts", timeout=240_000)
        page.wait_for_function("document.body.dataset.chartsReady === '1'", timeout=240_000)
        assert page.locator("#chart-trend .main-svg").count() >= 1
        assert page.locator("#chart-lights-unit .main-svg").count() >= 1
        # The charting library came from the console itself, not from a CDN.
        scripts = page.evaluate("Array.from(document.scripts).map(s => s.src).filter(Boolean)")
        assert scripts
        assert all(s.startswith(stack.gateway_url) for s in scripts), scripts
        shoot(page, "supervisor-charts")

        # Readable on a phone too.
        page.set_viewport_size(PHONE)
        page.goto(f"{stack.gateway_url}/console/board")
        no_overflow(page, PHONE["width"])
        shoot(page, "supervisor-board-phone")
    finally:
        context.close()


# -- the unit, the operator ----------------------------------------------------------------------


def test_a_unit_signs_and_replies_and_the_operator_records_the_callback(console_stack: Stack, chromium: Any) -> None:
    stack = console_stack
    order = register_case(stack, title="夜市摊点占道（承办测试）")
    unit_key = key_of(stack, unit_id=order["unit_id"])
    context, page = sign_in(chromium, stack, unit_key)
    try:
        assert page.url.endswith("/console/inbox")
        row = page.locator(f"tr[data-order='{order['order_id']}']")
        assert row.count() == 1
        assert re.search(r"剩余|已超期", row.locator(".countdown").inner_text())
        no_overflow(page, DESKTOP["width"])
        shoot(page, "unit-inbox")
        row.locator("a").click()
        page.wait_for_url(f"**/console/orders/{order['order_id']}")
        assert page.locator("#order-status").inner_text() == "待签收"
        shoot(page, "unit-order-to-sign")

        page.click("#form-sign button[type=submit]")
        page.wait_for_url(DONE)
        assert page.locator("#order-status").inner_text() == "已签收"
        assert order["phone"] in page.locator("main").inner_text()  # the unit sees whom to call

        page.fill("#contact-note", "已电话联系赵先生，约定今晚到现场")
        page.click("#form-contact button[type=submit]")
        page.wait_for_url(DONE)
        assert page.locator("#order-status").inner_text() == "已联系"

        # A reply without a result: the API's own field error, next to the field; nothing changes.
        page.check("#form-reply input[name=solved][value=yes]")
        page.click("#form-reply button[type=submit]")
        page.wait_for_load_state()
        error = page.locator("#reply-result-error")
        assert error.count() == 1
        assert error.inner_text().strip()
        assert page.locator("#reply-result").get_attribute("aria-invalid") == "true"
        assert order_status(stack, order["order_id"]) == "contacted"
        shoot(page, "unit-reply-field-error")

        page.fill("#reply-result", "已联合街道清理占道摊点，设置禁止摆摊提示牌。")
        page.check("#form-reply input[name=solved][value=yes]")
        page.click("#form-reply button[type=submit]")
        page.wait_for_url(DONE)
        assert page.locator("#order-status").inner_text() == "待回访"
        shoot(page, "unit-order-replied")
    finally:
        context.close()

    # Another unit's session cannot open this order.
    other = next(k for k in stack.api_keys if k.role == "unit" and k.unit_id != order["unit_id"])
    context, page = sign_in(chromium, stack, other.key)
    try:
        response = page.goto(f"{stack.gateway_url}/console/orders/{order['order_id']}")
        assert response is not None
        assert response.status in (403, 404)
        assert order["case_no"] not in page.content()
        assert page.locator("[role=alert] h1").inner_text() in ("未找到", "无权访问")
        shoot(page, "unit-other-units-order-refused")
    finally:
        context.close()

    context, page = sign_in(chromium, stack, stack.api_key("operator"))
    try:
        assert page.url.endswith("/console/callbacks")

        def card_shown() -> bool:
            page.goto(f"{stack.gateway_url}/console/callbacks")
            return page.locator(f"#callback-{order['case_no']}").count() == 1

        wait_for(f"{order['case_no']} on the callback list", card_shown)
        card = page.locator(f"#callback-{order['case_no']}")
        assert "赵志明" in card.inner_text()
        assert order["phone"] in card.inner_text()
        shoot(page, "operator-callbacks")
        card.locator("input[name=outcome][value=rated]").check()
        card.locator("select[name=satisfaction]").select_option("satisfied")
        card.locator("input[name=solved][value=yes]").check()
        card.locator("textarea[name=comment]").fill("摊点已清理，满意")
        card.locator("button[type=submit]").click()
        page.wait_for_load_state()
        assert f"{order['case_no']} 回访结果已办结" in page.locator("[role=status]").inner_text()
        assert page.locator(f"#callback-{order['case_no']}").count() == 0
        shoot(page, "operator-callback-recorded")
        wait_for("the order to close", lambda: order_status(stack, order["order_id"]) == "closed")

        page.goto(f"{stack.gateway_url}/console/dispatch-queue")
        assert page.locator("h1").inner_text().startswith("人工派单队列")
        shoot(page, "operator-dispatch-queue")
    finally:
        context.close()


def test_a_station_cannot_open_the_supervisor_board(console_stack: Stack, chromium: Any) -> None:
    context, page = sign_in(chromium, console_stack, console_stack.api_key("station"), viewport=PHONE)
    try:
        response = page.goto(f"{console_stack.gateway_url}/console/board")
        assert response is not None
        assert response.status == 403
        assert page.locator("[role=alert] h1").inner_text() == "无权访问"
        assert page.locator("table.orders").count() == 0
        shoot(page, "station-board-refused")
    finally:
        context.close()


# -- sessions and CSRF ---------------------------------------------------------------------------


def _signed_in_client(stack: Stack, key: str) -> tuple[httpx.Client, str]:
    """A plain HTTP client that signs in like the browser does; returns it and the page's CSRF token."""
    client = httpx.Client(base_url=stack.gateway_url, timeout=30)
    login = client.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', login.text)
    assert token is not None
    signed_in = client.post("/console/login", data={"csrf_token": token.group(1), "api_key": key})
    assert signed_in.status_code == 303, signed_in.text
    page = client.get("/console/inbox")
    assert page.status_code == 200
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    return client, csrf.group(1)


def holding(stack: Stack, cookie: str) -> httpx.Client:
    """A client presenting exactly this session cookie (the browser's jar is not involved)."""
    return httpx.Client(base_url=stack.gateway_url, timeout=30, cookies={"hotline_console": cookie})


def test_forged_csrf_expired_and_tampered_sessions_are_refused_with_a_page_and_change_nothing(
    console_stack: Stack, chromium: Any
) -> None:
    stack = console_stack
    order = register_case(stack, title="安全校验测试")
    unit_key = key_of(stack, unit_id=order["unit_id"])
    sign = f"/console/orders/{order['order_id']}/sign"

    client, csrf = _signed_in_client(stack, unit_key)
    try:
        for form in ({}, {"csrf_token": "forged-" + csrf[7:]}, {"csrf_token": ""}):
            refused = client.post(sign, data=form)
            assert refused.status_code == 403
            assert "安全校验未通过" in refused.text
            assert "未做任何更改" in refused.text
        assert order_status(stack, order["order_id"]) == "dispatched"

        # A wrong key: the sign-in page says so, and no session cookie is handed out.
        with httpx.Client(base_url=stack.gateway_url, timeout=30) as stranger:
            form = stranger.get("/console/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
            assert token is not None
            wrong = stranger.post("/console/login", data={"csrf_token": token.group(1), "api_key": "hk_wrong_key"})
            assert wrong.status_code == 401
            assert "密钥无效" in wrong.text
            assert "hotline_console=" not in wrong.headers.get("set-cookie", "")

        # A sign-in form posted from elsewhere (no sign-in cookie) is refused too.
        with httpx.Client(base_url=stack.gateway_url, timeout=30) as stranger:
            login = stranger.post("/console/login", data={"csrf_token": "x", "api_key": unit_key})
            assert login.status_code == 403
            assert "安全校验未通过" in login.text
            assert "hotline_console=" not in login.headers.get("set-cookie", "")

        # A tampered cookie: one character of the session id changed.
        good = client.cookies["hotline_console"]
        bad = ("A" if good[0] != "A" else "B") + good[1:]
        with holding(stack, bad) as tampered:
            refused = tampered.post(sign, data={"csrf_token": csrf})
        assert refused.status_code == 401
        assert "登录信息无效" in refused.text
        assert order_status(stack, order["order_id"]) == "dispatched"
        assert client.get("/console/inbox").status_code == 200

        # An expired session: its entry lapses in the store (as its TTL would make it).
        session_id = good.split(".")[0]
        store = redis.Redis.from_url(stack.redis_url)
        assert store.pexpire(f"console:session:{session_id}", 1)
        time.sleep(0.05)
        refused = client.post(sign, data={"csrf_token": csrf})
        assert refused.status_code == 401
        assert "登录已过期" in refused.text
        assert order_status(stack, order["order_id"]) == "dispatched"
    finally:
        client.close()

    # The same refusals as a person sees them in the browser.
    context, page = sign_in(chromium, stack, unit_key)
    try:
        cookie = next(c for c in context.cookies() if c["name"] == "hotline_console")
        assert cookie["httpOnly"]
        assert cookie["sameSite"] == "Strict"
        assert cookie["expires"] > time.time()
        context.add_cookies([{**cookie, "value": "x" + cookie["value"][1:]}])
        response = page.goto(f"{stack.gateway_url}/console/inbox")
        assert response is not None
        assert response.status == 401
        assert page.locator("[role=alert] h1").inner_text() == "登录信息无效"
        assert page.locator("a.button[href='/console/login']").count() == 1
        shoot(page, "refused-tampered-cookie")
        context.add_cookies([cookie])
        store.pexpire(f"console:session:{cookie['value'].split('.')[0]}", 1)
        time.sleep(0.05)
        page.goto(f"{stack.gateway_url}/console/inbox")
        assert page.locator("[role=alert] h1").inner_text() == "登录已过期"
        shoot(page, "refused-expired-session")
    finally:
        context.close()

    # Signing out ends the session at once, whatever the browser still holds.
    client, csrf = _signed_in_client(stack, unit_key)
    try:
        kept = client.cookies["hotline_console"]
        assert client.post("/console/logout", data={"csrf_token": csrf}).status_code == 303
    finally:
        client.close()
    with holding(stack, kept) as after:
        assert after.get("/console/inbox").status_code == 401

    # The key never reached a log line of the console or the gateway.
    for name in ("console-api.log", "gateway-api.log"):
        assert unit_key not in (stack.config.logs_dir / name).read_text(encoding="utf-8", errors="replace")

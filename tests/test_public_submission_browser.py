"""A citizen files a case on /submit in a real Chromium at phone size, through the gateway of the
running stack: SMS code (read from the demo sender's log line, as the walkthrough does), a photo
with GPS in its EXIF, wrong and reused codes refused with nothing registered; then the case is
dispatched within a second like any other, its photo (once an operator publishes it) shows on
/track with the EXIF gone, and once closed it is on the public board.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from hotline_shared.testing.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, require_chromium
from hotline_shared.testing.photos import jpeg_with_gps, metadata_left
from hotline_stack import Stack

from .helpers import key_for, orders_for, staff_timeline, wait_for

WAGE_TOPIC = "劳动和社会保障 › 劳动保障 › 拖欠工资"


def _browser():  # type: ignore[no-untyped-def]
    require_chromium()
    from playwright.sync_api import sync_playwright

    return sync_playwright()


def sms_code(stack: Stack, phone: str, *, after: int) -> str:
    """The code the demo SMS sender wrote to intake's log for this (masked) number."""
    masked = phone[:3] + "****" + phone[-4:]
    log = stack.config.logs_dir / "intake-api.log"

    def probe() -> str | None:
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()[after:]
        codes = [m.group(1) for line in lines if masked in line and (m := re.search(r"验证码为(\d{6})", line))]
        return codes[-1] if codes else None

    return wait_for(f"the SMS code for {masked} in the log", probe, timeout=20)


def log_length(stack: Stack) -> int:
    log = stack.config.logs_dir / "intake-api.log"
    return len(log.read_text(encoding="utf-8", errors="replace").splitlines()) if log.exists() else 0


def web_cases(gateway: httpx.Client, stack: Stack) -> set[str]:
    response = gateway.get("/api/v1/cases", params={"channel": "web", "limit": 200}, headers=stack.auth("operator"))
    assert response.status_code == 200, response.text
    return {c["case_no"] for c in response.json()["items"]}


def fill_case(page: Any, *, phone: str, code: str, photo: Path | None) -> None:
    page.select_option("select[name=category]", "complaint")
    page.fill("input[name=topic]", WAGE_TOPIC)
    page.select_option("select[name=community_code]", "D03-S01-C01")
    page.fill("input[name=address]", "永安里小区8号楼2单元302")
    page.fill("textarea[name=description]", "我在一家装修公司工作了三个月，老板一直拖欠工资不发，请帮忙讨薪。")
    page.fill("input[name=name]", "李建国")
    page.fill("form[action='/submit'] input[name=phone]", phone)
    page.fill("input[name=verification_code]", code)
    if photo is not None:
        page.set_input_files("input[name=photos]", str(photo))
    page.click("#submit-case")
    page.wait_for_load_state()


# It may be the first test to ask for the stack (its start counts against the test's time), then it
# drives a browser and a case through every service: more than the suite's 300 s default on a busy machine.
@pytest.mark.timeout(900)
def test_a_citizen_files_a_case_with_a_photo_on_the_web_and_follows_it_to_the_board(
    stack: Stack, gateway: httpx.Client, tmp_path: Path
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    phone = "139" + f"{uuid.uuid4().int % 10**8:08d}"
    photo = tmp_path / "IMG_4032.jpg"
    photo.write_bytes(jpeg_with_gps())
    before = web_cases(gateway, stack)
    ip = f"198.51.100.{uuid.uuid4().int % 200 + 20}"

    with _browser() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(
                viewport={"width": 390, "height": 844},
                is_mobile=True,
                locale="zh-CN",
                # The gateway trusts the local proxy's forwarded address: this test has its own limits.
                extra_http_headers={"X-Forwarded-For": ip},
            )
            page = context.new_page()
            page.goto(f"{stack.gateway_url}/submit")
            assert page.locator("h2").inner_text() == "网上反映诉求"
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            assert page.evaluate("document.scripts.length") == 0

            seen = log_length(stack)
            page.fill("form[action='/submit/code'] input[name=phone]", phone)
            page.click("#send-code")
            page.wait_for_load_state()
            assert "验证码已发送至 " + phone[:3] + "****" + phone[-4:] in page.locator("[role=status]").inner_text()
            code = sms_code(stack, phone, after=seen)
            page.screenshot(path=str(ARTIFACTS / "intake-submit-mobile.png"), full_page=True)

            # A wrong code: refused in plain Chinese, what was typed kept, nothing registered.
            wrong = f"{(int(code) + 1) % 10**6:06d}"
            fill_case(page, phone=phone, code=wrong, photo=photo)
            assert "验证码不正确" in page.locator("[role=alert]").inner_text()
            assert page.locator("input[name=name]").input_value() == "李建国"
            assert web_cases(gateway, stack) == before

            fill_case(page, phone=phone, code=code, photo=photo)
            assert page.locator("h2").inner_text() == "您的诉求已受理"
            case_no = page.locator("#case-no").inner_text()
            lookup = page.locator("#lookup-code").inner_text()
            assert "已收到照片 1 张" in page.locator("main").inner_text()
            page.screenshot(path=str(ARTIFACTS / "intake-submitted-mobile.png"), full_page=True)
            assert web_cases(gateway, stack) == before | {case_no}

            # The same code again (a second case, or a replayed form): refused, nothing registered.
            page.goto(f"{stack.gateway_url}/submit")
            fill_case(page, phone=phone, code=code, photo=None)
            assert "已经使用" in page.locator("[role=alert]").inner_text()
            assert web_cases(gateway, stack) == before | {case_no}

            # Dispatched like any other case, within a second of intake.
            orders = wait_for(f"an order for {case_no}", lambda: orders_for(gateway, stack, case_no), timeout=30)
            received = datetime.fromisoformat(orders[0]["case"]["received_at"])
            dispatched = datetime.fromisoformat(orders[0]["dispatched_at"])
            assert orders[0]["unit_id"] == "U-RS-001"
            assert 0 <= (dispatched - received).total_seconds() < 1.0

            # Not public until an operator publishes it; then /track shows it, without EXIF.
            wait_for(f"feedback to know {case_no}", lambda: staff_timeline(gateway, stack, case_no))
            page.goto(f"{stack.gateway_url}/track?case_no={case_no}&code={lookup}")
            assert page.locator(".photos img").count() == 0
            photos = gateway.get(f"/api/v1/cases/{case_no}/photos", headers=stack.auth("operator")).json()["items"]
            assert len(photos) == 1
            url = f"/api/v1/cases/{case_no}/photos/{photos[0]['photo_id']}/publication"
            published = gateway.put(url, json={"publishable": True}, headers=stack.auth("operator"))
            assert published.status_code == 200, published.text

            def photo_shown() -> bool:
                page.goto(f"{stack.gateway_url}/track?case_no={case_no}&code={lookup}")
                return page.locator(".photos img").count() == 1

            wait_for("the published photo on /track", photo_shown, timeout=20, every=0.5)
            # The thumbnail is loading="lazy", so the page's load event does not wait for it.
            page.wait_for_function(
                "() => { const i = document.querySelector('.photos img');"
                " return i && i.complete && i.naturalWidth > 0; }",
                timeout=15_000,
            )
            full = page.locator(".photos a").get_attribute("href")
            assert full
            image = context.request.get(f"{stack.gateway_url}{full}")
            assert image.status == 200
            assert image.headers["content-type"] == "image/jpeg"
            assert metadata_left(image.body()) == {}
            text = page.locator("main").inner_text()
            assert "李**" in text
            assert phone not in page.content()
            assert "8号楼" not in text
            page.screenshot(path=str(ARTIFACTS / "feedback-track-photo-mobile.png"), full_page=True)
            context.close()
        finally:
            browser.close()

    # The unit handles it, the citizen rates it: closed, and on the public board.
    unit = key_for(stack, unit_id="U-RS-001")
    order_id = orders[0]["order_id"]
    for action, body in (
        ("sign", None),
        ("contact", {"note": "已电话联系李先生"}),
        ("reply", {"result": "已责令公司支付，工资已全额到账。", "solved": True}),
    ):
        response = gateway.post(f"/api/v1/orders/{order_id}/{action}", json=body, headers=unit)
        assert response.status_code in (200, 201), (action, response.text)

    def rated() -> bool:
        response = gateway.post(
            f"/api/v1/public/cases/{case_no}/rating",
            params={"code": lookup},
            json={"satisfaction": "satisfied", "solved": True},
            headers={"X-Forwarded-For": ip},
        )
        return response.status_code in (200, 201)

    wait_for("the reply to reach feedback so the citizen can rate it", rated, timeout=30, every=1.0)

    def on_board() -> dict[str, Any] | None:
        response = gateway.get("/api/v1/public/board", params={"topic_code": "LD-LDBZ-TQGZ", "limit": 100})
        assert response.status_code == 200, response.text
        return next((i for i in response.json()["items"] if i["case_no"] == case_no), None)

    item = wait_for(f"{case_no} on the board", on_board, timeout=30, every=1.0)
    assert phone not in str(item)
    assert "李建国" not in str(item)

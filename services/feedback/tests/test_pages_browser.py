"""The public pages in a real headless Chromium, at phone size, with screenshots kept as artifacts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from hotline_shared.clock import ManualClock
from hotline_shared.testing import DatabaseFactory, ValkeyProcess, signed_headers
from hotline_shared.testing.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, require_chromium

from .conftest import record_public
from .factories import MONDAY, Story
from .live import LiveServer, live_settings, seed, serve

ARGS = CHROMIUM_ARGS
H = timedelta(hours=1)

ON_BOARD = Story("20261123-000950", name="陈大文", phone="13911112222", title="小区路灯不亮")
TRACKED = Story("20261123-000951", name="欧阳修远", phone="13933334444", description="欧阳修远反映楼道堆放杂物")
HIDDEN = Story("20261123-000952", name="林保密", phone="13955556666", confidential=True, title="保密件不公示")


@pytest.fixture(scope="module")
def site(database_factory: DatabaseFactory, valkey: ValkeyProcess) -> Iterator[LiveServer]:
    clock = ManualClock(MONDAY + 5 * H)
    config = live_settings(database_factory, valkey.url)
    seed(
        config,
        clock,
        [
            ON_BOARD.closed_at_intake(MONDAY, answer="已通知物业当天维修路灯。"),
            HIDDEN.closed_at_intake(MONDAY + H),
            TRACKED.received(MONDAY),
            TRACKED.dispatched(MONDAY + H),
            TRACKED.signed(MONDAY + 2 * H),
            TRACKED.replied(MONDAY + 3 * H, result="已清理楼道杂物并张贴消防提示。"),
        ],
    )
    with serve(config, clock) as server:
        yield server


def _browser():  # type: ignore[no-untyped-def]
    require_chromium()
    from playwright.sync_api import sync_playwright

    return sync_playwright()


def test_board_and_track_pages_render_in_chromium(site: LiveServer) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    with _browser() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = browser.new_context(
                viewport={"width": 390, "height": 844},
                device_scale_factor=2,
                is_mobile=True,
                locale="zh-CN",
                # An address of its own: other tests' failed lookups (shared Redis) must not throttle this one.
                extra_http_headers=signed_headers("public", client_ip="198.51.100.77"),
            )
            page = context.new_page()

            page.goto(f"{site.url}/board")
            assert page.locator("h2").inner_text() == "办理结果公示"
            cards = page.locator("article.card")
            assert cards.count() == 1
            assert "小区路灯不亮" in cards.first.inner_text()
            assert "陈**" in cards.first.inner_text()
            assert "保密件不公示" not in page.content()
            # Readable on a phone: nothing wider than the screen.
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            record_public("/board", page.content())
            page.screenshot(path=str(ARTIFACTS / "feedback-board-mobile.png"), full_page=True)

            page.goto(f"{site.url}/track")
            page.fill("input[name=case_no]", TRACKED.case_no)
            page.fill("input[name=code]", TRACKED.lookup_code)
            page.click("button[type=submit]")
            page.wait_for_url("**/track?*")
            alerts = page.locator("[role=alert]")
            assert alerts.count() == 0, alerts.first.inner_text()
            assert page.locator(".status").inner_text() == "承办单位已答复，等待回访"
            text = page.locator("main").inner_text()
            assert "欧阳**" in text
            assert "139****4444" in text
            assert "已清理楼道杂物" in text
            steps = page.locator("ol.timeline li")
            assert steps.count() == 4
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            record_public("/track", page.content())
            page.screenshot(path=str(ARTIFACTS / "feedback-track-mobile.png"), full_page=True)

            # The citizen rates from the page; no script involved, a plain form post.
            page.check("input[name=satisfaction][value=satisfied]")
            page.check("input[name=solved][value=yes]")
            page.click("form[action='/track/rating'] button[type=submit]")
            page.wait_for_load_state()
            assert "感谢您的评价" in page.locator("main").inner_text()
            assert page.locator(".status").inner_text() == "已办结"
            record_public("/track", page.content())
            page.screenshot(path=str(ARTIFACTS / "feedback-track-rated-mobile.png"), full_page=True)
            context.close()
        finally:
            browser.close()
    for name in ("feedback-board-mobile.png", "feedback-track-mobile.png", "feedback-track-rated-mobile.png"):
        assert (ARTIFACTS / name).stat().st_size > 10_000

"""Public lookup and board: masked, indistinguishable 404s, throttled guessing, no confidential cases."""

from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi import FastAPI
from hotline_shared.identity import IDENTITY_HEADER, Identity, Role, sign_identity
from hotline_shared.testing import signed_headers
from hotline_shared.testing.identity import TEST_SECRET

from .factories import MONDAY, Story
from .helpers import Bus

H = timedelta(hours=1)
PUBLIC = signed_headers("public")


def from_ip(ip: str) -> dict[str, str]:
    return {IDENTITY_HEADER: sign_identity(Identity(subject="anonymous", role=Role.public, client_ip=ip), TEST_SECRET)}


async def replied(bus: Bus, story: Story) -> None:
    await bus.deliver(story.received(MONDAY), story.dispatched(MONDAY + H), story.replied(MONDAY + 2 * H))


async def test_lookup_shows_progress_with_personal_data_masked(bus: Bus, client: httpx.AsyncClient) -> None:
    story = Story(
        "20261123-000300",
        name="欧阳娜娜",
        phone="13912345678",
        description="欧阳娜娜反映：幸福路18号3栋2单元501室楼下烧烤，电话13912345678",
    )
    await bus.deliver(story.received(), story.dispatched(MONDAY + H))
    r = await client.get(f"/api/v1/public/cases/{story.case_no}", params={"code": "k7m2qx"}, headers=PUBLIC)
    assert r.status_code == 200
    body = r.json()
    assert body["caller"] == {"name": "欧阳**", "phone": "139****5678"}
    assert body["location"]["place"] == "幸福社区"
    assert body["description"] == "欧阳**反映：幸福社区楼下烧烤，电话139****5678"
    assert body["status_text"] == "已派发至和平街道办事处，等待签收"
    assert body["category_text"] == "投诉"


async def test_landline_and_missing_fields(bus: Bus, client: httpx.AsyncClient) -> None:
    landline = Story("20261123-000301", name="李四", phone="010-62345678")
    anonymous = Story("20261123-000302", name=None, phone=None, address=None, community_name=None, street_name=None)
    await bus.deliver(landline.received(), anonymous.received())
    body = (
        await client.get(f"/api/v1/public/cases/{landline.case_no}", params={"code": "K7M2QX"}, headers=PUBLIC)
    ).json()
    assert body["caller"] == {"name": "李*", "phone": "010-********"}
    body = (
        await client.get(f"/api/v1/public/cases/{anonymous.case_no}", params={"code": "K7M2QX"}, headers=PUBLIC)
    ).json()
    assert body["caller"] == {"name": None, "phone": None}
    assert body["location"]["place"] is None


async def test_wrong_code_is_indistinguishable_from_unknown_case(bus: Bus, client: httpx.AsyncClient) -> None:
    story = Story("20261123-000303")
    await bus.deliver(story.received())
    wrong = await client.get(f"/api/v1/public/cases/{story.case_no}", params={"code": "AAAAAA"}, headers=PUBLIC)
    unknown = await client.get("/api/v1/public/cases/20261123-999999", params={"code": "AAAAAA"}, headers=PUBLIC)
    assert wrong.status_code == unknown.status_code == 404

    def shape(r: httpx.Response) -> dict:
        body = r.json()
        body.pop("instance")
        return {"body": body, "type": r.headers["content-type"]}

    assert shape(wrong) == shape(unknown)


async def test_an_order_event_alone_does_not_make_a_case_public(bus: Bus, client: httpx.AsyncClient) -> None:
    story = Story("20261123-000304")
    await bus.deliver(story.dispatched(MONDAY))
    r = await client.get(f"/api/v1/public/cases/{story.case_no}", params={"code": "K7M2QX"}, headers=PUBLIC)
    assert r.status_code == 404


async def test_code_guessing_is_throttled_per_ip_and_per_case(
    app: FastAPI, bus: Bus, client: httpx.AsyncClient
) -> None:
    story = Story("20261123-000305")
    await bus.deliver(story.received())
    limit = app.state.settings.lookup_case_max_failures
    url = f"/api/v1/public/cases/{story.case_no}"
    for i in range(limit):
        r = await client.get(url, params={"code": f"GUES{i:02d}"}, headers=from_ip("10.0.0.1"))
        assert r.status_code == 404
    # The guesser is stopped on this case, even with the right code.
    blocked = await client.get(url, params={"code": story.lookup_code}, headers=from_ip("10.0.0.1"))
    assert blocked.status_code == 429
    assert blocked.headers["content-type"].startswith("application/problem+json")
    assert 0 < int(blocked.headers["Retry-After"]) <= app.state.settings.lookup_case_window_s

    other = Story("20261123-000306")
    await bus.deliver(other.received())
    ip_limit = app.state.settings.lookup_ip_max_failures
    for i in range(ip_limit):
        await client.get(
            f"/api/v1/public/cases/20261123-9{i:05d}", params={"code": "AAAAAA"}, headers=from_ip("10.9.9.9")
        )
    r = await client.get(
        f"/api/v1/public/cases/{other.case_no}", params={"code": "K7M2QX"}, headers=from_ip("10.9.9.9")
    )
    assert r.status_code == 429
    ok = await client.get(
        f"/api/v1/public/cases/{other.case_no}", params={"code": "K7M2QX"}, headers=from_ip("10.9.9.8")
    )
    assert ok.status_code == 200


async def test_board_lists_closed_cases_but_never_confidential_ones(bus: Bus, client: httpx.AsyncClient) -> None:
    shown = Story("20261123-000310", name="王小明", phone="13700001111")
    secret = Story("20261123-000311", name="赵六", phone="13700002222", confidential=True)
    still_open = Story("20261123-000312", name="钱七", phone="13700003333")
    direct = Story("20261123-000313", name="孙八", phone="13700004444", category="consult", district_code="D02")
    await replied(bus, shown)
    await replied(bus, secret)
    await bus.deliver(still_open.received(), still_open.dispatched(MONDAY + H))
    await bus.deliver(direct.closed_at_intake(MONDAY + 5 * H))
    for story in (shown, secret):
        r = await client.post(
            f"/api/v1/callbacks/{story.case_no}",
            json={"outcome": "rated", "satisfaction": "basically_satisfied"},
            headers=signed_headers("operator"),
        )
        assert r.status_code == 201

    page = (await client.get("/api/v1/public/board", headers=PUBLIC)).json()
    numbers = [i["case_no"] for i in page["items"]]
    assert set(numbers) == {shown.case_no, direct.case_no}
    item = next(i for i in page["items"] if i["case_no"] == shown.case_no)
    assert item["caller_name"] == "王**"
    assert item["satisfaction_text"] == "基本满意"
    assert item["community_name"] == "幸福社区"

    by_district = (await client.get("/api/v1/public/board", params={"district_code": "D02"}, headers=PUBLIC)).json()
    assert [i["case_no"] for i in by_district["items"]] == [direct.case_no]
    by_topic = (await client.get("/api/v1/public/board", params={"topic_code": "CG-SR"}, headers=PUBLIC)).json()
    assert len(by_topic["items"]) == 2
    by_other_topic = (await client.get("/api/v1/public/board", params={"topic_code": "CG-S"}, headers=PUBLIC)).json()
    assert by_other_topic["items"] == []
    tomorrow = (MONDAY.date() + timedelta(days=1)).isoformat()
    assert (await client.get("/api/v1/public/board", params={"date": tomorrow}, headers=PUBLIC)).json()["items"] == []
    today = (
        await client.get("/api/v1/public/board", params={"date": MONDAY.date().isoformat()}, headers=PUBLIC)
    ).json()
    assert len(today["items"]) == 2

    html = await client.get("/board", headers=PUBLIC)
    assert html.status_code == 200
    assert html.headers["content-type"].startswith("text/html")
    assert shown.case_no in html.text
    assert secret.case_no not in html.text
    assert "王**" in html.text


async def test_board_pages_with_a_cursor(bus: Bus, client: httpx.AsyncClient) -> None:
    for i in range(5):
        await bus.deliver(Story(f"20261123-00040{i}").closed_at_intake(MONDAY + i * H))
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await client.get("/api/v1/public/board", params=params, headers=PUBLIC)).json()
        seen += [i["case_no"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [f"20261123-00040{i}" for i in reversed(range(5))]
    bad = await client.get("/api/v1/public/board", params={"cursor": "@@"}, headers=PUBLIC)
    assert bad.status_code == 422


async def test_track_page_renders_progress_and_takes_a_rating(bus: Bus, client: httpx.AsyncClient) -> None:
    story = Story("20261123-000500", name="周杰", phone="13600001234")
    await bus.deliver(story.received(), story.dispatched(MONDAY + H), story.replied(MONDAY + 2 * H))
    form = await client.get("/track", headers=PUBLIC)
    assert form.status_code == 200
    assert "查询码" in form.text
    wrong = await client.get("/track", params={"case_no": story.case_no, "code": "ZZZZZZ"}, headers=PUBLIC)
    assert wrong.status_code == 404
    assert "未找到该工单" in wrong.text
    page = await client.get("/track", params={"case_no": story.case_no, "code": story.lookup_code}, headers=PUBLIC)
    assert page.status_code == 200
    assert "承办单位已答复，等待回访" in page.text
    assert "周*" in page.text
    assert "提交评价" in page.text
    rated = await client.post(
        "/track/rating",
        content=f"case_no={story.case_no}&code={story.lookup_code}&satisfaction=satisfied&solved=yes",
        headers=PUBLIC | {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert rated.status_code == 303
    after = await client.get(rated.headers["location"], headers=PUBLIC)
    assert "感谢您的评价" in after.text
    assert "已办结" in after.text
    again = await client.post(
        "/track/rating",
        content=f"case_no={story.case_no}&code={story.lookup_code}&satisfaction=unsatisfied",
        headers=PUBLIC | {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert again.status_code == 409


async def test_public_routes_need_the_gateway_identity(client: httpx.AsyncClient) -> None:
    for path in ("/api/v1/public/board", "/board", "/track"):
        assert (await client.get(path)).status_code == 401


async def test_regression_board_date_at_the_edge_of_the_calendar_is_a_422(client: httpx.AsyncClient) -> None:
    # Found by schemathesis: 0001-01-01 overflowed when converted to UTC and answered 500.
    for path in ("/api/v1/public/board", "/board"):
        for day in ("0001-01-01", "9999-12-31"):
            r = await client.get(path, params={"date": day}, headers=PUBLIC)
            assert r.status_code == 422, (path, day, r.text)
            assert r.json()["errors"][0]["field"] == "query.date"


async def test_regression_board_filter_with_a_nul_byte_is_a_422_on_every_database(client: httpx.AsyncClient) -> None:
    # Found by schemathesis in CI: PostgreSQL refuses NUL in text, so this was a 500 there (and a
    # quiet empty page on SQLite). The shared input guard now answers the same on both.
    query = "district_code=%00%14%C2%8CP%F0%AB%AC%98%C2%A7P"
    for path in ("/api/v1/public/board", "/board"):
        r = await client.get(f"{path}?{query}", headers=PUBLIC)
        assert r.status_code == 422, (path, r.text)
        assert r.json()["errors"][0]["field"] == "query.district_code"


async def test_regression_a_stranger_cannot_lock_a_citizen_out_of_their_case(
    app: FastAPI, bus: Bus, client: httpx.AsyncClient
) -> None:
    """Issue 19: case numbers are on the board; ten wrong codes from elsewhere used to lock the case for an hour."""
    story = Story("20261123-000307")
    await bus.deliver(story.received())
    url = f"/api/v1/public/cases/{story.case_no}"
    attackers = [f"10.7.{i // 200}.{i % 200}" for i in range(3 * app.state.settings.lookup_case_max_failures)]
    for ip in attackers:
        r = await client.get(url, params={"code": "WRONG1"}, headers=from_ip(ip))
        assert r.status_code == 404
    citizen = await client.get(url, params={"code": story.lookup_code}, headers=from_ip("10.8.0.1"))
    assert citizen.status_code == 200
    page = await client.get("/track", params={"case_no": story.case_no, "code": story.lookup_code},
                            headers=from_ip("10.8.0.2"))  # fmt: skip
    assert page.status_code == 200

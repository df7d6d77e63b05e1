"""Supervisors' summary, its CSV/Excel export and the daily bulletin, from known figures."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import httpx
from hotline_shared.testing import signed_headers
from openpyxl import load_workbook

from .factories import MONDAY, Story
from .helpers import Bus

H = timedelta(hours=1)
SUPERVISOR = signed_headers("supervisor")
OPERATOR = signed_headers("operator")


async def make_month(bus: Bus, client: httpx.AsyncClient) -> None:
    """Six cases on 2026-11-23: 1 direct, 2 satisfied (one late), 1 unsatisfied, 1 unreachable, 1 open."""
    direct = Story(
        "20261123-000700", category="consult", channel="web", topic_code="SB-YL", topic_name="社保 › 医疗保险"
    )
    await bus.deliver(direct.closed_at_intake(MONDAY))
    plan = [
        ("000701", "satisfied", True),
        ("000702", "basically_satisfied", False),
        ("000703", "unsatisfied", True),
        ("000704", "unreachable", True),
    ]
    for suffix, verdict, on_time in plan:
        s = Story(f"20261123-{suffix}", district_code="D02", district_name="西城区")
        await bus.deliver(s.received(MONDAY), s.dispatched(MONDAY + H), s.replied(MONDAY + 2 * H, on_time=on_time))
        url = f"/api/v1/callbacks/{s.case_no}"
        if verdict == "unreachable":
            for _ in range(3):
                assert (await client.post(url, json={"outcome": "unreachable"}, headers=OPERATOR)).status_code == 201
        else:
            body = {"outcome": "rated", "satisfaction": verdict, "solved": verdict != "unsatisfied"}
            assert (await client.post(url, json=body, headers=OPERATOR)).status_code == 201
    still_open = Story("20261123-000705")
    await bus.deliver(still_open.received(MONDAY), still_open.dispatched(MONDAY + H))
    # Outside the period: must not count.
    await bus.deliver(Story("20261031-000001").closed_at_intake(MONDAY - timedelta(days=23)))


async def test_summary_counts_and_rates(bus: Bus, client: httpx.AsyncClient) -> None:
    await make_month(bus, client)
    r = await client.get(
        "/api/v1/reports/summary", params={"from": "2026-11-01", "to": "2026-11-30"}, headers=SUPERVISOR
    )
    assert r.status_code == 200, r.text
    s = r.json()
    f = s["figures"]
    assert (f["total"], f["direct_resolved"], f["replied"], f["replied_on_time"]) == (6, 1, 4, 3)
    assert (f["rated"], f["satisfied"], f["basically_satisfied"], f["unsatisfied"], f["unreachable"]) == (3, 1, 1, 1, 1)
    assert s["rates"] == {
        "direct_resolution": 16.7,
        "on_time_reply": 75.0,
        "solved": 66.7,
        "satisfaction": 66.7,  # the unreachable callback is left out
    }
    assert {row["name"]: row["count"] for row in s["by_category"]} == {"投诉": 5, "咨询": 1}
    assert {row["name"]: row["count"] for row in s["by_channel"]} == {"电话": 5, "网站": 1}
    assert {row["key"]: row["count"] for row in s["by_area"]} == {"D02": 4, "D01": 2}
    assert s["by_topic"][0] == {"key": "CG-SR-ZDJY", "name": "城市管理 › 市容环境 › 占道经营", "count": 5}
    statuses = {row["key"]: row["count"] for row in s["by_status"]}
    assert statuses == {"closed": 4, "awaiting_rehandle": 1, "dispatched": 1}


async def test_exports_and_bulletin(bus: Bus, client: httpx.AsyncClient) -> None:
    await make_month(bus, client)
    params = {"from": "2026-11-23", "to": "2026-11-23"}
    r = await client.get("/api/v1/reports/summary/export", params=params | {"format": "csv"}, headers=SUPERVISOR)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert ["总体", "受理总量", "6"] in rows
    assert ["比率", "满意率(%)", "66.7"] in rows
    assert ["按渠道", "网站", "1"] in rows

    x = await client.get("/api/v1/reports/summary/export", params=params | {"format": "xlsx"}, headers=SUPERVISOR)
    assert x.status_code == 200
    book = load_workbook(io.BytesIO(x.content))
    assert book.sheetnames == ["概况", "按诉求类型", "按渠道", "按问题分类", "按区域", "按状态"]
    overview = {(row[0], row[1]): row[2] for row in book["概况"].iter_rows(min_row=2, values_only=True)}
    assert overview[("总体", "受理总量")] == 6

    b = await client.get("/api/v1/reports/bulletin", params={"date": "2026-11-23"}, headers=SUPERVISOR)
    assert b.status_code == 200
    bulletin = b.json()
    assert bulletin["title"] == "12345政务服务便民热线2026年11月23日运行情况通报"
    text = bulletin["text"]
    assert "共受理群众诉求6件" in text
    assert "投诉（5件）" in text
    assert "直接办结率16.7%" in text
    assert "按时办结率75.0%" in text
    assert "满意率66.7%" in text
    assert "多次回访未联系上1件" in text

    empty = await client.get("/api/v1/reports/bulletin", params={"date": "2026-11-01"}, headers=SUPERVISOR)
    assert empty.json()["text"] == "2026年11月1日，12345热线未受理群众诉求。"


async def test_report_input_and_access(client: httpx.AsyncClient) -> None:
    bad = await client.get(
        "/api/v1/reports/summary", params={"from": "2026-11-30", "to": "2026-11-01"}, headers=SUPERVISOR
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "query.from"
    assert (await client.get("/api/v1/reports/summary", headers=OPERATOR)).status_code == 403
    default = await client.get("/api/v1/reports/summary", headers=SUPERVISOR)
    assert default.json()["from_date"] == "2026-11-01"
    assert default.json()["to_date"] == "2026-11-23"


async def test_regression_report_period_at_the_edge_of_the_calendar_is_a_422(client: httpx.AsyncClient) -> None:
    # Found by schemathesis: to=0001-01-01 overflowed in the period filter and answered 500.
    for path in ("/api/v1/reports/summary", "/api/v1/reports/summary/export", "/api/v1/reports/bulletin"):
        for params in ({"to": "0001-01-01"}, {"from": "9999-12-31"}, {"date": "0001-01-01"}):
            if "date" in params and not path.endswith("bulletin"):
                continue
            r = await client.get(path, params=params, headers=SUPERVISOR)
            assert r.status_code == 422, (path, params, r.text)

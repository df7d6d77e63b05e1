"""CSV and Excel bulletins open with the right headings, numbers and no personal data, and the API
serves the same rows as its lists."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

import pytest
from dispatch.config import DispatchSettings
from dispatch.supervision.config import SupervisionSettings
from dispatch.supervision.exports import XLSX_MEDIA_TYPE, ExportFormat, overdue_table, ranking_table, render
from hotline_shared.clock import SHANGHAI
from openpyxl import load_workbook

from ..kit import SUPERVISOR, Kit, unit
from .helpers import area_supervisor, open_orders

RANK_ROWS = [
    {
        "rank": 1,
        "board": "红榜",
        "unit_id": "U1",
        "unit_name": "市城管局",
        "volume": 12,
        "co_volume": 0,
        "sign_on_time_rate": 1.0,
        "reply_on_time_rate": 0.9166,
        "satisfaction_rate": None,
        "score": 95.5,
    },
]


def test_csv_has_bom_chinese_headings_and_percentages() -> None:
    data = render(ranking_table("2026-11", RANK_ROWS), ExportFormat.csv)
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][0] == "排名(rank)"
    assert rows[0][3] == "承办单位(unit_name)"
    line = dict(zip([h.split("(")[1][:-1] for h in rows[0]], rows[1], strict=True))
    assert line["unit_name"] == "市城管局"
    assert line["reply_on_time_rate"] == "91.7%"
    assert line["satisfaction_rate"] == ""  # no ratings: empty, not 0 %
    assert line["score"] == "95.50"


def test_xlsx_keeps_numbers_as_numbers() -> None:
    data = render(ranking_table("2026-11", RANK_ROWS), ExportFormat.xlsx)
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet.title == "2026-11 红黑榜"
    headings = [c.value for c in sheet[1]]
    col = headings.index("按时办结率(reply_on_time_rate)") + 1
    cell = sheet.cell(row=2, column=col)
    assert cell.value == 0.9166
    assert cell.number_format == "0.0%"
    assert sheet.freeze_panes == "A2"


def test_overdue_export_writes_shanghai_wall_time() -> None:
    due = datetime(2026, 11, 24, 17, 30, tzinfo=SHANGHAI)
    rows = [
        {
            "order_id": "O1",
            "case_no": "20261123-000001",
            "unit_id": "U1",
            "due_at": due,
            "hours_late": 3.5,
            "deadline_kind": "reply",
            "urge_level": "supervise",
        }
    ]
    table = overdue_table(datetime(2026, 11, 24, 21, 0, tzinfo=SHANGHAI), rows)
    sheet = load_workbook(io.BytesIO(render(table, ExportFormat.xlsx))).active
    headings = [c.value for c in sheet[1]]
    assert sheet.cell(row=2, column=headings.index("到期时间(due_at)") + 1).value == datetime(2026, 11, 24, 17, 30)
    text = render(table, ExportFormat.csv).decode("utf-8-sig")
    assert "2026-11-24T17:30:00+08:00" in text
    assert "3.50" in text


# -- through the API ---------------------------------------------------------------------------

THU_0900 = "2026-11-04T09:00:00+08:00"


@pytest.fixture
def settings(settings: DispatchSettings) -> DispatchSettings:
    # Four ranked units on the export day: boards of two show both a 红榜 and a 黑榜.
    return settings.model_copy(update={"supervision": SupervisionSettings(ranking_min_volume=1, ranking_size=2)})


def csv_rows(data: bytes) -> list[dict[str, str]]:
    """CSV rows keyed by the API field name in each heading's brackets."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    keys = [h.split("(")[-1].rstrip(")") for h in rows[0]]
    return [dict(zip(keys, row, strict=True)) for row in rows[1:]]


def sheet_rows(data: bytes) -> list[dict[str, Any]]:
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    keys = [str(h).split("(")[-1].rstrip(")") for h in values[0]]
    return [dict(zip(keys, row, strict=True)) for row in values[1:]]


async def test_the_overdue_list_exports_as_csv_and_excel(kit: Kit) -> None:
    orders = await open_orders(kit)
    listed = await kit.client.get(
        "/api/v1/supervision/overdue", params={"as_of": THU_0900, "limit": 200}, headers=SUPERVISOR
    )
    expected = [(r["order_id"], r["unit_id"], r["hours_late"]) for r in listed.json()["items"]]
    assert len(expected) == 6

    r = await kit.client.get(
        "/api/v1/supervision/overdue/export", params={"as_of": THU_0900, "format": "csv"}, headers=SUPERVISOR
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert 'filename="overdue-20261104-0900.csv"' in r.headers["content-disposition"]
    rows = csv_rows(r.content)
    assert [(x["order_id"], x["unit_id"], float(x["hours_late"])) for x in rows] == expected
    assert rows[0]["due_at"] == "2026-11-02T09:30:00+08:00"
    assert rows[0]["unit_name"] == "自来水集团（水务）"
    # The file goes into a bulletin: never the caller's name, phone or address.
    text = r.content.decode("utf-8-sig")
    assert "13812345678" not in text
    assert "张三" not in text
    assert "小区" not in text

    r = await kit.client.get(
        "/api/v1/supervision/overdue/export", params={"as_of": THU_0900, "district_code": "D01"}, headers=SUPERVISOR
    )
    assert r.headers["content-type"] == XLSX_MEDIA_TYPE  # Excel unless asked otherwise
    assert 'filename="overdue-20261104-0900.xlsx"' in r.headers["content-disposition"]
    sheet = sheet_rows(r.content)
    assert [x["order_id"] for x in sheet] == [orders["sw_d"]["order_id"], orders["rs_b"]["order_id"]]
    assert sheet[0]["due_at"] == datetime(2026, 11, 2, 9, 30)
    assert sheet[0]["hours_late"] == 47.5

    # An area-limited supervisor's file holds their area only; units get no bulletin files.
    d01 = await kit.client.get(
        "/api/v1/supervision/overdue/export",
        params={"as_of": THU_0900, "format": "csv"},
        headers=area_supervisor("D01"),
    )
    assert [x["order_id"] for x in csv_rows(d01.content)] == [orders["sw_d"]["order_id"], orders["rs_b"]["order_id"]]
    denied = await kit.client.get("/api/v1/supervision/overdue/export", headers=unit("U-CG-001"))
    assert denied.status_code == 403


async def test_the_monthly_ranking_exports_as_csv_and_excel(kit: Kit) -> None:
    await open_orders(kit)
    r = await kit.client.get("/api/v1/supervision/rankings", params={"month": "2026-11"}, headers=SUPERVISOR)
    ranking = r.json()
    units = ranking["units"]
    assert len(units) >= 5
    top = {u["unit_id"] for u in ranking["top"]}
    bottom = {u["unit_id"] for u in ranking["bottom"]}
    assert (len(top), len(bottom)) == (2, 2)

    r = await kit.client.get(
        "/api/v1/supervision/rankings/export", params={"month": "2026-11", "format": "csv"}, headers=SUPERVISOR
    )
    assert r.status_code == 200, r.text
    assert 'filename="ranking-2026-11.csv"' in r.headers["content-disposition"]
    rows = csv_rows(r.content)
    assert [x["unit_id"] for x in rows] == [u["unit_id"] for u in units]
    for row, u in zip(rows, units, strict=True):
        assert row["rank"] == ("" if u["rank"] is None else str(u["rank"]))
        assert row["volume"] == str(u["volume"])
        assert row["score"] == ("" if u["score"] is None else f"{u['score']:.2f}")
        rate = u["sign_on_time_rate"]
        assert row["sign_on_time_rate"] == ("" if rate is None else f"{rate * 100:.1f}%")
        assert row["board"] == ("红榜" if u["unit_id"] in top else "黑榜" if u["unit_id"] in bottom else "")

    r = await kit.client.get("/api/v1/supervision/rankings/export", params={"month": "2026-11"}, headers=SUPERVISOR)
    assert r.headers["content-type"] == XLSX_MEDIA_TYPE
    sheet = sheet_rows(r.content)
    assert [(x["unit_id"], x["rank"], x["score"], x["sign_on_time_rate"]) for x in sheet] == [
        (u["unit_id"], u["rank"], u["score"], u["sign_on_time_rate"]) for u in units
    ]
    assert load_workbook(io.BytesIO(r.content)).active.title == "2026-11 红黑榜"

    for params in ({"month": "2026-13"}, {"month": "2026-11", "format": "pdf"}):
        bad = await kit.client.get("/api/v1/supervision/rankings/export", params=params, headers=SUPERVISOR)
        assert bad.status_code == 422
    denied = await kit.client.get(
        "/api/v1/supervision/rankings/export", params={"month": "2026-11"}, headers=unit("U-CG-001")
    )
    assert denied.status_code == 403

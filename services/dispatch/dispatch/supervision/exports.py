"""The files a supervisor attaches to a monthly bulletin: CSV and Excel (openpyxl) tables.

Columns carry Chinese headings (the bulletin's language) with the API field name in brackets, so a
reader and a script can both use them. Rates are written as numbers (percent cells in Excel, a
percentage with one decimal in CSV), never as text, so the sheet can still be sorted and summed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from hotline_shared.calendar import to_shanghai
from hotline_shared.spreadsheet import as_text_cell
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ExportFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"

    @property
    def media_type(self) -> str:
        return CSV_MEDIA_TYPE if self is ExportFormat.csv else XLSX_MEDIA_TYPE


class Kind(StrEnum):
    text = "text"
    integer = "integer"
    number = "number"
    percent = "percent"  # a 0..1 fraction
    moment = "moment"


@dataclass(frozen=True)
class Column:
    key: str
    heading: str
    kind: Kind = Kind.text
    width: int = 14


@dataclass(frozen=True)
class Table:
    title: str
    columns: Sequence[Column]
    rows: Sequence[dict[str, Any]]


def _csv_value(value: Any, kind: Kind) -> str:
    if value is None:
        return ""
    if kind is Kind.percent:
        return f"{float(value) * 100:.1f}%"
    if kind is Kind.moment and isinstance(value, datetime):
        return to_shanghai(value).isoformat(timespec="seconds")
    if kind is Kind.number:
        return f"{float(value):.2f}"
    return as_text_cell(str(value))


def to_csv(table: Table) -> bytes:
    """UTF-8 with a byte-order mark, which is what makes Excel open Chinese CSV text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([f"{c.heading}({c.key})" for c in table.columns])
    for row in table.rows:
        writer.writerow([_csv_value(row.get(c.key), c.kind) for c in table.columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _cell_value(value: Any, kind: Kind) -> Any:
    if value is None:
        return None
    if kind is Kind.moment and isinstance(value, datetime):
        # Excel has no time zones: write Shanghai wall time, which is what the bulletin states.
        return to_shanghai(value).replace(tzinfo=None)
    if isinstance(value, str):
        # A cell cannot hold most control characters and openpyxl raises on them; one stored
        # name must not cost the supervisor the whole bulletin, and U+FFFD shows where it was.
        return as_text_cell(ILLEGAL_CHARACTERS_RE.sub("\ufffd", value))
    return value


_FORMATS = {Kind.percent: "0.0%", Kind.number: "0.00", Kind.integer: "0", Kind.moment: "yyyy-mm-dd hh:mm"}


def to_xlsx(table: Table) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = table.title[:31]  # Excel's limit on sheet names
    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    sheet.append([f"{c.heading}({c.key})" for c in table.columns])
    for index, column in enumerate(table.columns, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = header_font
        cell.fill = header_fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    for row in table.rows:
        sheet.append([_cell_value(row.get(c.key), c.kind) for c in table.columns])
    for index, column in enumerate(table.columns, start=1):
        number_format = _FORMATS.get(column.kind)
        if number_format is None:
            continue
        for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
            cell.number_format = number_format
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def render(table: Table, fmt: ExportFormat) -> bytes:
    return to_csv(table) if fmt is ExportFormat.csv else to_xlsx(table)


def filename(stem: str, fmt: ExportFormat) -> str:
    return f"{stem}.{fmt.value}"


RANKING_COLUMNS = (
    Column("rank", "排名", Kind.integer, 6),
    Column("board", "榜单", Kind.text, 8),
    Column("unit_id", "单位编号", Kind.text, 14),
    Column("unit_name", "承办单位", Kind.text, 28),
    Column("volume", "派单量", Kind.integer, 10),
    Column("co_volume", "协办量", Kind.integer, 10),
    Column("sign_on_time_rate", "及时签收率", Kind.percent, 12),
    Column("contact_on_time_rate", "先行联系率", Kind.percent, 12),
    Column("reply_on_time_rate", "按时办结率", Kind.percent, 12),
    Column("solved_rate", "解决率", Kind.percent, 10),
    Column("satisfaction_rate", "满意率", Kind.percent, 10),
    Column("return_rate", "回退率", Kind.percent, 10),
    Column("rehandle_rate", "重办率", Kind.percent, 10),
    Column("score", "综合得分", Kind.number, 10),
)

OVERDUE_COLUMNS = (
    Column("order_id", "工单编号", Kind.text, 22),
    Column("case_no", "案件编号", Kind.text, 18),
    Column("unit_id", "承办单位编号", Kind.text, 14),
    Column("unit_name", "承办单位", Kind.text, 26),
    Column("district_code", "区域", Kind.text, 10),
    Column("topic_code", "诉求主题", Kind.text, 16),
    Column("category", "诉求类型", Kind.text, 10),
    Column("urgency", "紧急程度", Kind.text, 10),
    Column("deadline_kind", "超期环节", Kind.text, 10),
    Column("due_at", "到期时间", Kind.moment, 18),
    Column("hours_late", "超期小时", Kind.number, 10),
    Column("urge_level", "督办级别", Kind.text, 10),
)


def ranking_table(month: str, rows: Iterable[dict[str, Any]]) -> Table:
    return Table(title=f"{month} 红黑榜", columns=RANKING_COLUMNS, rows=list(rows))


def overdue_table(as_of: datetime, rows: Iterable[dict[str, Any]]) -> Table:
    return Table(title=f"超期工单 {to_shanghai(as_of):%Y-%m-%d}", columns=OVERDUE_COLUMNS, rows=list(rows))

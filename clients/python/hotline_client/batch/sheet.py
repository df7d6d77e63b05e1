"""Reading the station's spreadsheet (XLSX or CSV) and writing the template and the errors file."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill

from .columns import BY_HEADER, COLUMNS

# The same rule as hotline_shared.spreadsheet.as_text_cell; not imported because this client is
# installed at stations without the server stack. A typed "=1+1" must stay text in Excel.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# The errors file's own first columns: a station may fix the rows there and import that file.
ERRORS_FILE_COLUMNS = ("原行号", "需要修改")


class SheetError(Exception):
    """The file as a whole cannot be read (wrong type, no header row, unknown columns)."""


@dataclass(frozen=True)
class SheetRow:
    row_no: int  # as Excel numbers it: the header is row 1
    values: dict[str, str]  # API field -> cell text, stripped
    cells: tuple[str, ...]  # the row as it was, for the errors file


@dataclass(frozen=True)
class Sheet:
    headers: tuple[str, ...]
    rows: list[SheetRow]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        # Excel stores a typed phone number as 13800001111.0.
        return str(int(value))
    return str(value).strip()


def _raw_rows(path: Path) -> list[list[str]]:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        workbook = load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            return [[_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        finally:
            workbook.close()
    if suffix == ".csv":
        data = path.read_bytes()
        # Excel on a Chinese Windows saves CSV in GBK; elsewhere it is UTF-8, often with a BOM.
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise SheetError(f"{path.name}: 无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV")
        return [[_text(v) for v in row] for row in csv.reader(io.StringIO(text))]
    raise SheetError(f"{path.name}: 只支持 .xlsx 和 .csv 文件（请用 `batch template` 生成模板）")


def read_sheet(path: Path) -> Sheet:
    if not path.is_file():
        raise SheetError(f"{path}: 文件不存在")
    raw = _raw_rows(path)
    while raw and not any(raw[0]):
        raw.pop(0)
    if not raw:
        raise SheetError(f"{path.name}: 文件是空的，第一行应是表头（{'、'.join(c.header for c in COLUMNS[:6])}……）")
    headers = tuple(raw[0])
    unknown = [h for h in headers if h and h not in BY_HEADER and h not in ERRORS_FILE_COLUMNS]
    if unknown:
        raise SheetError(
            f"{path.name}: 不认识的表头 {'、'.join(unknown)}；可用的表头：{'、'.join(c.header for c in COLUMNS)}"
        )
    missing = [c.header for c in COLUMNS if c.required and c.header not in headers and c.field not in headers]
    if missing:
        raise SheetError(f"{path.name}: 缺少必填列 {'、'.join(missing)}")
    fields = [BY_HEADER[h].field if h in BY_HEADER else None for h in headers]
    rows: list[SheetRow] = []
    first_data = 2
    if len(raw) > 1 and _is_hint_row(raw[1]):
        first_data = 3  # the template's grey row saying what to type
    for offset, cells in enumerate(raw[first_data - 1 :]):
        if not any(cells):
            continue
        values = {f: (cells[i] if i < len(cells) else "") for i, f in enumerate(fields) if f}
        rows.append(SheetRow(row_no=first_data + offset, values=values, cells=tuple(cells)))
    return Sheet(headers=headers, rows=rows)


def _is_hint_row(cells: Sequence[str]) -> bool:
    hints = {c.hint for c in COLUMNS}
    return any(c in hints for c in cells if c)


def text_cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def write_template(path: Path, *, example: Iterable[str] | None = None) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "民情批量导入"
    sheet.append([c.header for c in COLUMNS])
    sheet.append([c.hint for c in COLUMNS])
    if example is not None:
        sheet.append([text_cell(v) for v in example])
    bold, grey = Font(bold=True), PatternFill("solid", fgColor="DDDDDD")
    for cell, column in zip(sheet[1], COLUMNS, strict=True):
        cell.font = bold
        if column.required:
            cell.fill = PatternFill("solid", fgColor="FFE699")
    for cell in sheet[2]:
        cell.fill = grey
    for letter in "ABCDEFGHIJKLMNO":
        sheet.column_dimensions[letter].width = 16
    sheet.column_dimensions["F"].width = 40
    sheet.freeze_panes = "A3"
    workbook.save(path)


def write_errors(path: Path, headers: Sequence[str], refused: Sequence[tuple[SheetRow, list[str]]]) -> None:
    """FILE.errors.xlsx: each refused row as it was, with what to fix in the first columns."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "未导入的行"
    sheet.append([*ERRORS_FILE_COLUMNS, *headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row, messages in refused:
        sheet.append([row.row_no, text_cell("；".join(messages)), *(text_cell(c) for c in row.cells)])
    sheet.column_dimensions["B"].width = 60
    sheet.freeze_panes = "C2"
    workbook.save(path)

"""Text cells that a spreadsheet must show as text, never run as a formula.

Exports carry names typed by people (unit names, topic and area names). A cell starting with
=, +, -, @ (or a tab / carriage return before one) is taken by Excel and LibreOffice as a formula
when the CSV is opened, and openpyxl writes such a string as a formula outright (CSV/formula
injection). A leading apostrophe makes it plain text and is not shown.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_text_cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value

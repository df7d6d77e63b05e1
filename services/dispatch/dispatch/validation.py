"""Input types that every database accepts: PostgreSQL refuses NUL bytes and lone surrogates in text,
and identifiers are restricted to a safe alphabet so they can appear in paths and logs as is."""

from __future__ import annotations

import unicodedata
from typing import Annotated

from fastapi import Path
from pydantic import AfterValidator, StringConstraints

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$"
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$"
CASE_NO_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z-]{0,39}$"
ORDER_ID_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z-]{0,47}$"
MAX_DB_INT = 2**31 - 1


def _printable(value: str) -> str:
    if "\x00" in value:
        raise ValueError("text must not contain NUL characters")
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        raise ValueError("text must be valid Unicode (no lone surrogates)")
    return value


def _no_control_characters(value: str) -> str:
    # A name is one line shown in lists and written into Excel bulletins, which cannot hold them.
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        raise ValueError("a name must not contain control characters (tabs, line breaks, escapes)")
    return value


def _stripped_nonblank(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be blank")
    return value


Text = Annotated[str, AfterValidator(_printable)]
ShortText = Annotated[str, StringConstraints(max_length=200), AfterValidator(_printable)]
Reason = Annotated[
    str,
    StringConstraints(min_length=2, max_length=1000),
    AfterValidator(_printable),
    AfterValidator(_stripped_nonblank),
]
Note = Annotated[str, StringConstraints(max_length=1000), AfterValidator(_printable)]
ResultText = Annotated[
    str,
    StringConstraints(min_length=2, max_length=4000),
    AfterValidator(_printable),
    AfterValidator(_stripped_nonblank),
]
Name = Annotated[
    str,
    StringConstraints(min_length=1, max_length=100),
    AfterValidator(_printable),
    AfterValidator(_no_control_characters),
    AfterValidator(_stripped_nonblank),
]
AttachmentRef = Annotated[str, StringConstraints(min_length=1, max_length=500), AfterValidator(_printable)]
UnitId = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Code = Annotated[str, StringConstraints(pattern=CODE_PATTERN)]

UnitIdPath = Annotated[str, Path(pattern=ID_PATTERN, description="unit id, e.g. U-CG-001")]
CaseNoPath = Annotated[str, Path(pattern=CASE_NO_PATTERN, description="case number, e.g. 20261122-000123")]
OrderIdPath = Annotated[str, Path(pattern=ORDER_ID_PATTERN, description="work order id")]
IntIdPath = Annotated[int, Path(ge=1, le=MAX_DB_INT)]

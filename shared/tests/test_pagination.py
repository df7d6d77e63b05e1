"""Opaque cursors: what a list issued comes back intact; a rewritten one is a 422, never a 500."""

from __future__ import annotations

import base64
import json

import pytest
from hotline_shared.errors import ValidationFailed
from hotline_shared.pagination import decode_cursor, encode_cursor


def rewritten(values: dict[str, object]) -> str:
    # json.dumps escapes NUL and lone surrogates, as a client editing a cursor by hand would send them.
    return base64.urlsafe_b64encode(json.dumps(values).encode()).rstrip(b"=").decode()


def test_a_cursor_comes_back_as_it_was_issued() -> None:
    values = {"case_no": "20261123-000123", "at": "2026-11-23T09:30:00+08:00", "id": 7}
    assert decode_cursor(encode_cursor(values), ("case_no", "at", "id")) == values


@pytest.mark.parametrize("value", ["\u0000", "20261123-000123\u0000", "\ud800", "a\udfffb"])
def test_a_cursor_holding_text_no_database_can_compare_is_refused(value: str) -> None:
    # Found fuzzing intake's OpenAPI: such a cursor reached the database driver and became a 500.
    with pytest.raises(ValidationFailed) as raised:
        decode_cursor(rewritten({"case_no": value}), ("case_no",))
    assert [e["field"] for e in raised.value.errors] == ["query.cursor"]


@pytest.mark.parametrize("value", [2**63, -(2**63) - 1, 10**30])
def test_a_cursor_holding_a_number_beyond_64_bits_is_refused(value: int) -> None:
    # Found by a random fuzz run of the audit log: SQLite cannot bind such an int (OverflowError → 500).
    with pytest.raises(ValidationFailed) as raised:
        decode_cursor(rewritten({"id": value}), ("id",))
    assert [e["field"] for e in raised.value.errors] == ["query.cursor"]
    assert decode_cursor(rewritten({"id": 2**63 - 1}), ("id",)) == {"id": 2**63 - 1}

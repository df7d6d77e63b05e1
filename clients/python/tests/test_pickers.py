"""`case new` without --topic / --district: numbered pickers walk the catalogue down to a leaf."""

from __future__ import annotations

import builtins
from collections.abc import Iterator

import pytest
from hotline_client.cli.pickers import pick_area, pick_topic

from .test_sheet_rows import AREAS, TOPICS


def answers(monkeypatch: pytest.MonkeyPatch, *typed: str) -> None:
    given: Iterator[str] = iter(typed)
    monkeypatch.setattr(builtins, "input", lambda *_args: next(given))


def test_the_topic_picker_goes_down_to_a_selectable_topic(monkeypatch: pytest.MonkeyPatch) -> None:
    answers(monkeypatch, "1", "1", "1")  # 城市管理 › 市政设施 › 路灯故障
    assert pick_topic(TOPICS) == "CG-SZSS-LDGZ"


def test_a_number_out_of_range_is_asked_again(monkeypatch: pytest.MonkeyPatch) -> None:
    answers(monkeypatch, "9", "1", "1", "1")
    assert pick_topic(TOPICS) == "CG-SZSS-LDGZ"


def test_the_area_picker_may_stop_at_the_street(monkeypatch: pytest.MonkeyPatch) -> None:
    answers(monkeypatch, "1", "1", "0")  # 东城区, 东华门街道, no community
    assert pick_area(AREAS) == {"district_code": "D01", "street_code": "D01-S01"}

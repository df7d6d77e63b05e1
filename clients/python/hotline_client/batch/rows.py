"""A spreadsheet row -> a batch item, checked against the catalogue before anything is sent.

The server checks everything again; this catches what a station can fix at its desk (an empty
description, a topic that does not exist, a community in the wrong street) without waiting for
the network, and says which row and column to fix in Chinese.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from ..models import AreaList, BatchItem, TopicList
from .columns import BY_FIELD, CATEGORIES, CHANNELS, NO, URGENCIES, YES
from .sheet import SheetRow

MIN_DESCRIPTION = 5
NEEDS_DISTRICT = frozenset({"help", "complaint", "report"})
LEVELS = ("district", "street", "community")
LEVEL_NAMES = {"district": "区", "street": "街道", "community": "社区"}


@dataclass
class Catalogue:
    topics: dict[str, tuple[str, bool]]  # code -> (full name, selectable)
    topic_by_name: dict[str, str]  # full name or unique leaf name -> code
    areas: dict[str, tuple[str, str, str | None]]  # code -> (name, level, parent)
    area_by_name: dict[tuple[str, str | None, str], str]  # (level, parent, name) -> code

    @classmethod
    def from_answers(cls, topics: TopicList, areas: AreaList) -> Catalogue:
        by_name: dict[str, str] = {}
        leaf_names: dict[str, list[str]] = {}
        for t in topics.topics:
            if t.selectable:
                by_name[t.full_name] = t.code
                leaf_names.setdefault(t.name, []).append(t.code)
        by_name |= {name: codes[0] for name, codes in leaf_names.items() if len(codes) == 1}
        return cls(
            topics={t.code: (t.full_name, t.selectable) for t in topics.topics},
            topic_by_name=by_name,
            areas={a.code: (a.name, a.level, a.parent_code) for a in areas.areas if a.active},
            area_by_name={(a.level, a.parent_code, a.name): a.code for a in areas.areas if a.active},
        )


@dataclass(frozen=True)
class Checked:
    row: SheetRow
    item: BatchItem | None
    errors: list[str]


def _word(value: str, words: dict[str, str], allowed: set[str]) -> str | None:
    if value in words:
        return words[value]
    return value.lower() if value.lower() in allowed else None


def _problem(field: str, message: str) -> str:
    return f"「{BY_FIELD[field].header}」{message}"


def client_ref(values: dict[str, str], body: dict[str, Any]) -> str:
    """The row's idempotency key: the station's own 编号, else a digest of what the row says.

    A digest (not the row number) survives rows being inserted or sorted between two runs, and
    a lost journal: the same row sent again is recognised by the server, never registered twice.
    """
    own = values.get("client_ref", "")
    if own:
        return own
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return f"row-{digest[:32]}"


def _area(catalogue: Catalogue, level: str, value: str, parent: str | None, errors: list[str]) -> str | None:
    field = f"location.{level}_code"
    if not value:
        return None
    if value in catalogue.areas:
        if catalogue.areas[value][1] != level:
            errors.append(_problem(field, f"{value} 不是{LEVEL_NAMES[level]}编码"))
            return None
        return value
    code = catalogue.area_by_name.get((level, parent, value))
    if code is None and parent is None:
        matches = [c for (lv, _p, name), c in catalogue.area_by_name.items() if lv == level and name == value]
        code = matches[0] if len(matches) == 1 else None
    if code is None:
        errors.append(_problem(field, f"“{value}”不在区域目录中，请填写区域编码（如 D01-S01）或准确的名称"))
    return code


def _location(catalogue: Catalogue, values: dict[str, str], errors: list[str]) -> dict[str, str]:
    codes: dict[str, str | None] = {}
    parent: str | None = None
    for level in LEVELS:
        code = _area(catalogue, level, values.get(f"location.{level}_code", ""), parent, errors)
        codes[level] = code
        parent = code or parent
    # Each stated parent must be the real one: a community typed under the wrong street is a typo.
    for child, up in (("community", "street"), ("street", "district")):
        code, stated = codes[child], codes[up]
        if code and stated and catalogue.areas[code][2] != stated:
            real = catalogue.areas[code][2]
            real_name = catalogue.areas[real][0] if real in catalogue.areas else real
            errors.append(
                _problem(
                    f"location.{child}_code", f"{catalogue.areas[code][0]}属于{real_name}（{real}），不属于 {stated}"
                )
            )
    out = {f"{level}_code": code for level, code in codes.items() if code}
    for extra in ("grid_code", "address"):
        if values.get(f"location.{extra}"):
            out[extra] = values[f"location.{extra}"]
    return out


def check_row(row: SheetRow, catalogue: Catalogue, *, default_channel: str = "station") -> Checked:
    v = row.values
    errors: list[str] = []
    category = _word(v.get("category", ""), CATEGORIES, set(CATEGORIES.values()))
    if category is None:
        what = v.get("category") or "空"
        errors.append(_problem("category", f"“{what}”无效，请填 咨询/求助/投诉/举报/建议/表扬/其他 之一"))
    channel = _word(v.get("channel", ""), CHANNELS, set(CHANNELS.values())) if v.get("channel") else default_channel
    if channel is None:
        errors.append(_problem("channel", f"“{v['channel']}”无效，请填 电话/社区服务站/网站/app/信箱，或留空"))
    urgency = _word(v.get("urgency", ""), URGENCIES, set(URGENCIES.values())) if v.get("urgency") else "normal"
    if urgency is None:
        errors.append(_problem("urgency", f"“{v['urgency']}”无效，请填 一般/紧急/水电气热，或留空"))
    topic = v.get("topic_code", "")
    topic = catalogue.topic_by_name.get(topic, topic)
    if not topic:
        errors.append(_problem("topic_code", "不能为空，请填写事项目录中的末级编码"))
    elif topic not in catalogue.topics:
        errors.append(_problem("topic_code", f"“{topic}”不在事项目录中，请用 `hotline-client case topics` 查找编码"))
    elif not catalogue.topics[topic][1]:
        errors.append(_problem("topic_code", f"“{catalogue.topics[topic][0]}”不是可选的末级事项，请选更细一级的事项"))
    description = v.get("description", "")
    if len(description.strip()) < MIN_DESCRIPTION:
        errors.append(
            _problem("description", f"太短（{len(description.strip())} 个字），请写清诉求，至少 {MIN_DESCRIPTION} 个字")
        )
    confidential_text = v.get("caller.confidential", "").lower()
    if confidential_text not in YES | NO:
        errors.append(_problem("caller.confidential", f"“{v['caller.confidential']}”无效，请填 是 或 否"))
    location = _location(catalogue, v, errors)
    if (
        category in NEEDS_DISTRICT
        and "district_code" not in location
        and not any(f"location.{lv}_code" in v and v[f"location.{lv}_code"] for lv in LEVELS)
    ):
        errors.append(_problem("location.district_code", "求助、投诉、举报需填写事发所在的区"))
    if errors:
        return Checked(row, None, errors)
    caller = {k: v[f"caller.{k}"] for k in ("name", "phone") if v.get(f"caller.{k}")}
    body: dict[str, Any] = {
        "channel": channel,
        "category": category,
        "topic_code": topic,
        "description": description,
        "urgency": urgency,
        "caller": {**caller, "confidential": confidential_text in YES},
        "location": location,
    }
    if v.get("title"):
        body["title"] = v["title"]
    try:
        item = BatchItem.model_validate({**body, "client_ref": client_ref(v, body)})
    except ValidationError as exc:  # pragma: no cover - every field above is already a checked string
        return Checked(row, None, [str(e["msg"]) for e in exc.errors()])
    return Checked(row, item, [])

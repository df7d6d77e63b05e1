"""Domain validation of a case: everything the schema cannot know (catalogue, area tree, phones).

All problems of a case are collected and reported together, each naming its field, so an
operator fixes the form in one go.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hotline_shared.errors import Forbidden, ValidationFailed, field_error
from hotline_shared.identity import Identity, Role
from hotline_shared.privacy import normalize_phone

from ..catalog.snapshot import CatalogSnapshot
from .schemas import (
    MAX_ADDRESS,
    MAX_ANSWER,
    MAX_DESCRIPTION,
    MAX_NAME,
    MAX_REASON,
    MAX_TITLE,
    CaseCreate,
    Category,
    Channel,
)
from .text import TextProblem, clean_text

MIN_DESCRIPTION = 5
# Categories that send someone to a place: without at least the district nobody can be routed.
NEEDS_DISTRICT = frozenset({Category.help, Category.complaint, Category.report})
# Roles allowed to close a consult on the call or overrule the duplicate check.
OPERATOR_ROLES = frozenset({Role.operator, Role.admin})
# Service numbers (110, 12345, 95588) normalise fine but never reach the caller.
SHORT_NUMBER_MAX = 6
_GRID_RE = re.compile(r"[A-Za-z0-9-]{1,30}")
_DIGIT_RE = re.compile(r"\d")
# Mainland China with its islands, generously: GPS noise near the border is still accepted.
LAT_RANGE = (3.5, 54.0)
LON_RANGE = (73.0, 136.0)


@dataclass(frozen=True)
class ValidCase:
    channel: str
    category: str
    topic_code: str
    urgency: str
    title: str | None
    description: str
    district_code: str | None
    street_code: str | None
    community_code: str | None
    grid_code: str | None
    address: str | None
    lat: float | None
    lon: float | None
    caller_name: str | None
    caller_phone: str | None
    confidential: bool
    direct_answer: str | None
    force_new_reason: str | None


class _Errors:
    def __init__(self, prefix: Sequence[str | int]) -> None:
        self.prefix = list(prefix)
        self.items: list[dict[str, Any]] = []

    def add(self, loc: Sequence[str | int], message: str, code: str) -> None:
        self.items.append(field_error([*self.prefix, *loc], message, code))

    def text(
        self, loc: Sequence[str | int], value: str | None, *, multiline: bool, max_chars: int, min_meaningful: int = 0
    ) -> str | None:
        if value is None:
            return None
        try:
            cleaned = clean_text(value, multiline=multiline, max_chars=max_chars, min_meaningful=min_meaningful)
        except TextProblem as exc:
            self.add(loc, str(exc), exc.code)
            return None
        return cleaned or None


def check_permissions(data: CaseCreate, identity: Identity) -> None:
    if data.direct_answer is not None and identity.role not in OPERATOR_ROLES:
        raise Forbidden("Only an operator may close a consult at intake (直接办结); leave direct_answer out.")
    if data.force_new is not None and identity.role not in OPERATOR_ROLES:
        raise Forbidden("Only an operator may overrule the duplicate check (force_new); leave force_new out.")
    if identity.role is Role.open311 and data.channel != Channel.open311:
        # The gateway's Open311 adapter registers for city apps; they may not pose as a phone seat.
        raise Forbidden("An Open311 client registers cases with channel open311 only.")


def _topic(data: CaseCreate, catalog: CatalogSnapshot, errors: _Errors) -> None:
    code = data.topic_code.strip()
    if code not in catalog.topics:
        errors.add(
            ["topic_code"],
            f"事项编码 {code!r} 不存在，请从事项目录选择 / unknown topic; see GET /api/v1/catalog/topics",
            "unknown_topic",
        )
    elif not catalog.topic_usable(code):
        errors.add(
            ["topic_code"], f"事项 {catalog.topic_full_name(code)} 已停用 / this topic is retired", "inactive_topic"
        )
    elif children := catalog.active_children(code):
        names = "、".join(f"{c.code} {c.name}" for c in children[:6])
        errors.add(
            ["topic_code"],
            f"请选择更细一级的事项（如 {names}） / choose a more specific topic under {code}",
            "topic_not_leaf",
        )


def _area_chain(
    data: CaseCreate, catalog: CatalogSnapshot, errors: _Errors
) -> tuple[str | None, str | None, str | None]:
    """District, street and community codes, checked against the tree; missing parents filled in."""
    loc = data.location
    given: dict[str, str | None] = {
        "district": (loc.district_code or "").strip() or None,
        "street": (loc.street_code or "").strip() or None,
        "community": (loc.community_code or "").strip() or None,
    }
    ok = True
    for level, code in given.items():
        if code is None:
            continue
        node = catalog.areas.get(code)
        field = f"{level}_code"
        if node is None:
            errors.add(
                ["location", field],
                f"区域编码 {code!r} 不存在 / unknown area code; see GET /api/v1/catalog/areas",
                "unknown_area",
            )
            ok = False
        elif node.level != level:
            errors.add(
                ["location", field],
                f"{code} 是 {node.level}，不是 {level} / {code} is a {node.level}",
                "wrong_area_level",
            )
            ok = False
        elif not _area_usable(catalog, code):
            errors.add(["location", field], f"区域 {node.name} 已停用 / this area is retired", "inactive_area")
            ok = False
    if not ok:
        return given["district"], given["street"], given["community"]
    # Walk up from the most specific code given: each stated parent must be the real one.
    for child_level, parent_level in (("community", "street"), ("street", "district")):
        child = given[child_level]
        if child is None:
            continue
        actual_parent = catalog.areas[child].parent_code
        stated = given[parent_level]
        if stated is None:
            given[parent_level] = actual_parent
        elif stated != actual_parent:
            parent_name = catalog.area_name(actual_parent)
            errors.add(
                ["location", f"{child_level}_code"],
                f"{catalog.area_name(child)}（{child}）属于 {parent_name}（{actual_parent}），不属于 {stated} / "
                f"{child} belongs to {actual_parent}, not {stated}",
                "area_mismatch",
            )
    return given["district"], given["street"], given["community"]


def _area_usable(catalog: CatalogSnapshot, code: str) -> bool:
    node = catalog.areas.get(code)
    while node is not None:
        if not node.active:
            return False
        node = catalog.areas.get(node.parent_code) if node.parent_code else None
    return True


def _coordinates(data: CaseCreate, errors: _Errors) -> tuple[float | None, float | None]:
    lat, lon = data.location.lat, data.location.lon
    if (lat is None) != (lon is None):
        missing = "lon" if lon is None else "lat"
        errors.add(
            ["location", missing], "经纬度需同时填写 / give both lat and lon, or neither", "incomplete_coordinates"
        )
        return None, None
    if lat is None or lon is None:
        return None, None
    if not (LAT_RANGE[0] <= lat <= LAT_RANGE[1] and LON_RANGE[0] <= lon <= LON_RANGE[1]):
        errors.add(
            ["location", "lat"],
            "坐标不在服务范围内（中国境内，WGS-84 纬度在前） / coordinates are outside China; lat first, then lon",
            "coordinates_out_of_range",
        )
        return None, None
    return lat, lon


def validate_case(data: CaseCreate, catalog: CatalogSnapshot, *, prefix: Sequence[str | int] = ("body",)) -> ValidCase:
    errors = _Errors(prefix)
    description = errors.text(
        ["description"], data.description, multiline=True, max_chars=MAX_DESCRIPTION, min_meaningful=MIN_DESCRIPTION
    )
    title = errors.text(["title"], data.title, multiline=False, max_chars=MAX_TITLE)
    name = errors.text(["caller", "name"], data.caller.name, multiline=False, max_chars=MAX_NAME)
    if name and _DIGIT_RE.search(name):
        errors.add(
            ["caller", "name"],
            "姓名中不能有数字，电话请填在 phone / no digits in a name; put the number in phone",
            "invalid_name",
        )
        name = None
    address = errors.text(["location", "address"], data.location.address, multiline=False, max_chars=MAX_ADDRESS)
    answer = None
    if data.direct_answer is not None:
        answer = errors.text(
            ["direct_answer"], data.direct_answer, multiline=True, max_chars=MAX_ANSWER, min_meaningful=2
        )
        if data.category != Category.consult:
            errors.add(
                ["direct_answer"],
                "只有咨询件可以直接办结 / only a consult (category consult) can be closed at intake",
                "direct_answer_not_consult",
            )
    reason = None
    if data.force_new is not None:
        reason = errors.text(
            ["force_new", "reason"], data.force_new.reason, multiline=True, max_chars=MAX_REASON, min_meaningful=2
        )
    if data.category == Category.praise and data.urgency != "normal":
        errors.add(["urgency"], "表扬件不设紧急程度，请用 normal / praise has no urgency; use normal", "praise_urgency")

    phone = None
    if data.caller.phone is not None and data.caller.phone.strip():
        try:
            phone = normalize_phone(data.caller.phone)
        except ValueError as exc:
            errors.add(["caller", "phone"], str(exc), "invalid_phone")
        else:
            if len(phone) <= SHORT_NUMBER_MAX:
                errors.add(
                    ["caller", "phone"],
                    "无效的电话号码：请填写可以回拨的手机或带区号的固定电话 / "
                    "invalid phone number: give a mobile or a landline with area code we can call back",
                    "invalid_phone",
                )
                phone = None

    _topic(data, catalog, errors)
    district, street, community = _area_chain(data, catalog, errors)
    if district is None and data.category in NEEDS_DISTRICT:
        errors.add(
            ["location", "district_code"],
            "求助、投诉、举报需填写事发所在区 / help, complaint and report cases need at least the district",
            "required",
        )
    grid = (data.location.grid_code or "").strip() or None
    if grid is not None:
        if not _GRID_RE.fullmatch(grid):
            errors.add(
                ["location", "grid_code"],
                "网格编码只能包含字母、数字和“-” / letters, digits and '-' only",
                "invalid_grid",
            )
        elif community is None:
            errors.add(
                ["location", "grid_code"],
                "填写网格时需同时填写社区 / a grid needs its community_code",
                "grid_without_community",
            )
    lat, lon = _coordinates(data, errors)

    if errors.items:
        count = len(errors.items)
        raise ValidationFailed(
            f"案件有{count}处需要修改 / the case has {count} problem(s): "
            + "; ".join(e["field"] for e in errors.items[:6]),
            errors=errors.items,
        )
    assert description is not None  # guaranteed by min_meaningful when no error was recorded
    return ValidCase(
        channel=data.channel.value,
        category=data.category.value,
        topic_code=data.topic_code.strip(),
        urgency=data.urgency.value,
        title=title,
        description=description,
        district_code=district,
        street_code=street,
        community_code=community,
        grid_code=grid,
        address=address,
        lat=lat,
        lon=lon,
        caller_name=name,
        caller_phone=phone,
        confidential=data.caller.confidential,
        direct_answer=answer,
        force_new_reason=reason,
    )

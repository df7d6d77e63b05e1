"""The default time limits of domain.md, loaded as editable policies by `seed`.

Specificity decides which policy applies (urgency 4 + topic 2 + category 1), so an urgent
consult gets the urgent limits and a normal consult the consult limits.
"""

from __future__ import annotations

from hotline_shared.calendar import DeadlineUnit

from ..enums import Category, Urgency
from .schemas import Limit, PolicyIn

WD, CH = DeadlineUnit.WORKING_DAYS, DeadlineUnit.CALENDAR_HOURS


def _limit(amount: float, unit: DeadlineUnit) -> Limit:
    return Limit(amount=amount, unit=unit)


def _normal(category: Category | None, reply_days: int, note: str) -> PolicyIn:
    return PolicyIn(
        category=category,
        sign=_limit(1, WD),
        contact=_limit(1, WD),
        reply=_limit(reply_days, WD),
        note=note,
    )


DEFAULT_POLICIES: list[PolicyIn] = [
    _normal(None, 15, "默认：签收1个工作日，先行联系1个工作日，办结15个工作日"),
    _normal(Category.consult, 3, "咨询：3个工作日办结"),
    _normal(Category.help, 5, "求助：5个工作日办结"),
    _normal(Category.complaint, 15, "投诉：15个工作日办结"),
    _normal(Category.report, 15, "举报：15个工作日办结"),
    _normal(Category.suggestion, 15, "建议：15个工作日办结"),
    PolicyIn(
        urgency=Urgency.urgent,
        sign=_limit(0.25, CH),
        contact=_limit(1, CH),
        reply=_limit(24, CH),
        note="紧急：15分钟签收，1小时联系，24小时办结（自然时间）",
    ),
    PolicyIn(
        urgency=Urgency.utilities,
        sign=_limit(0.5, CH),
        contact=_limit(1, WD),
        reply=_limit(24, CH),
        note="水电气热：30分钟签收，24小时办结（自然时间）",
    ),
]

# Used only if every policy was deleted before seeding: dispatch must never stop for want of one.
BUILTIN_FALLBACK = DEFAULT_POLICIES[0]

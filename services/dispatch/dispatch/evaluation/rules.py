"""Which events score, and how a rule's `match` is read against an event's facts.

A fact keeps only the short, non-personal fields listed in ATTRIBUTES (never the reply text, a
note or the citizen's comment), so the facts table can be re-scored without holding personal data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Events a rule may score, with the unit they are about taken from the payload (`unit_id`) or,
# for a rating, from the rated order.
EVENT_TYPES = {
    "order.dispatched": "派单",
    "order.signed": "签收",
    "order.contacted": "先行联系",
    "order.returned": "退单",
    "order.replied": "办结",
    "order.light_changed": "亮灯",
    "order.urged": "催办/督办",
    "order.reopened": "重办",
    "case.rated": "回访评价",
    # Computed when a month's record is compiled, from supervision's month figures.
    "period.no_overdue": "当月零超期",
}
PERIOD_TYPES = frozenset({"period.no_overdue"})

ATTRIBUTES = frozenset(
    {
        "role",
        "category",
        "urgency",
        "topic_code",
        "designated",
        "info_only",
        "on_time",
        "solved",
        "light",
        "previous",
        "deadline_kind",
        "level",
        "auto",
        "round",
        "reply_seq",
        "satisfaction",
        "unit_at_fault",
        "source",
    }
)

Scalar = str | int | float | bool | None


def attributes(payload: Mapping[str, Any]) -> dict[str, Scalar]:
    return {k: v for k, v in payload.items() if k in ATTRIBUTES and isinstance(v, str | int | float | bool | None)}


def matches(match: Mapping[str, Any], attrs: Mapping[str, Any]) -> bool:
    """Every key must equal the fact's value, or be one of a list of values."""
    for key, wanted in match.items():
        value = attrs.get(key)
        if isinstance(wanted, list):
            if value not in wanted:
                return False
        elif value != wanted:
            return False
    return True


# The defaults a fresh database starts with (migration 0110); admins change them through the API.
DEFAULT_RULES: list[dict[str, Any]] = [
    {
        "code": "praised",
        "name": "群众表扬",
        "event_type": "order.dispatched",
        "match": {"category": "praise", "role": "lead"},
        "points": 1,
        "cap_per_period": 3,
    },
    {
        "code": "rated_satisfied",
        "name": "回访满意",
        "event_type": "case.rated",
        "match": {"satisfaction": "satisfied", "role": "lead"},
        "points": 1,
        "cap_per_period": 3,
    },
    {
        "code": "solved_on_time",
        "name": "按期办结并解决",
        "event_type": "order.replied",
        "match": {"on_time": True, "solved": True, "role": "lead"},
        "points": 1,
        "cap_per_period": 2,
    },
    {
        "code": "no_overdue_month",
        "name": "当月零超期",
        "event_type": "period.no_overdue",
        "match": {},
        "points": 1,
        "cap_per_period": 1,
    },
    {
        "code": "reply_overdue",
        "name": "办结超期",
        "event_type": "order.light_changed",
        "match": {"light": "red", "deadline_kind": "reply"},
        "points": -1,
        "cap_per_period": 5,
    },
    {
        "code": "unsatisfied_at_fault",
        "name": "不满意（单位原因）",
        "event_type": "case.rated",
        "match": {"satisfaction": "unsatisfied", "unit_at_fault": True, "role": "lead"},
        "points": -1,
        "cap_per_period": 5,
    },
    {
        "code": "listed_urge",
        "name": "挂牌督办",
        "event_type": "order.urged",
        "match": {"level": "listed"},
        "points": -2,
        "cap_per_period": 6,
    },
]

"""A case's timeline told to the citizen in plain Chinese; internal supervision stays internal."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from hotline_shared.clock import to_shanghai

from ..cases.models import CaseEvent
from ..cases.projection import sort_key
from ..labels import OUTCOME, SATISFACTION, label
from .schemas import PublicTimelineEntry


def _date(value: Any) -> str:
    if not value:
        return ""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return f"{to_shanghai(moment):%Y年%m月%d日 %H:%M}"


def _unit(p: dict[str, Any]) -> str:
    return str(p.get("unit_name") or "承办单位")


def describe(event: CaseEvent) -> str | None:
    """The sentence shown for one timeline entry, or None when the public does not see it."""
    p = event.payload or {}
    lead = p.get("role", "lead") == "lead"
    match event.type:
        case "case.received":
            return "您的诉求已受理"
        case "case.duplicated":
            return f"与工单 {p.get('duplicate_of')} 的诉求相同，已合并一并办理"
        case "case.closed_at_intake":
            return "话务员已当场答复，诉求办结"
        case "order.dispatched" if lead:
            if p.get("info_only"):
                return f"已转交{_unit(p)}知悉"
            return f"已派发至{_unit(p)}办理"
        case "order.dispatched":
            return f"{_unit(p)}协同办理"
        case "order.returned" if lead:
            return "正在重新确定承办单位"
        case "order.signed" if lead:
            return f"{_unit(p)}已签收"
        case "order.contacted" if lead:
            return f"{_unit(p)}已与您联系"
        case "order.extension_decided" if lead and p.get("approved"):
            return f"经批准延期办理，办理期限延至 {_date(p.get('reply_due_at'))}"
        case "order.paused" if lead:
            return "办理暂停"
        case "order.resumed" if lead:
            return "恢复办理"
        case "order.replied" if lead:
            return f"{_unit(p)}已答复办理结果"
        case "order.reopened" if lead:
            return f"已要求承办单位重新办理，办理期限 {_date(p.get('reply_due_at'))}"
        case "callback.unreachable":
            return f"回访未接通（第 {p.get('attempt')} 次）"
        case "case.rated":
            how = "您的评价" if p.get("source") == "citizen" else "回访结果"
            return f"{how}：{label(SATISFACTION, p.get('satisfaction'))}"
        case "case.closed":
            return f"已办结（{label(OUTCOME, p.get('outcome'))}）"
    return None


def public_timeline(events: Iterable[CaseEvent]) -> list[PublicTimelineEntry]:
    out = []
    for event in sorted(events, key=sort_key):
        text = describe(event)
        if text is not None:
            out.append(PublicTimelineEntry(at=event.at, kind=event.type, text=text))
    return out

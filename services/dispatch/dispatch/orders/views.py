"""Order responses: a summary for lists, the full picture for one order."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..cases import repository as cases_repo
from ..cases.models import DispatchCase
from ..extensions.models import Extension
from ..extensions.schemas import ExtensionOut
from ..pauses.models import Pause
from ..pauses.schemas import PauseOut
from ..runtime import Runtime
from ..supervision import repository as supervision
from ..supervision.lights import UrgeLevel
from ..timeline import service as timeline
from . import repository
from .models import WorkOrder
from .schemas import (
    CallerOut,
    CaseBrief,
    CaseDetail,
    CaseLocationOut,
    CoOrderOut,
    HistoryEntry,
    OrderDetail,
    OrderSummary,
    ReplyOut,
)
from .workflow import OrderState, Role, allowed_actions


def case_brief(case: DispatchCase) -> CaseBrief:
    return CaseBrief(
        case_no=case.case_no,
        category=case.category,
        topic_code=case.topic_code,
        topic_name=case.topic_name,
        urgency=case.urgency,
        title=case.title,
        received_at=case.received_at,
    )


def case_detail(case: DispatchCase) -> CaseDetail:
    return CaseDetail(
        **case_brief(case).model_dump(),
        description=case.description,
        location=CaseLocationOut(
            district_code=case.district_code,
            street_code=case.street_code,
            community_code=case.community_code,
            grid_code=case.grid_code,
            district_name=case.district_name,
            street_name=case.street_name,
            community_name=case.community_name,
            address=case.address,
        ),
        caller=CallerOut(name=case.caller_name, phone=case.caller_phone, confidential=case.confidential),
    )


Supervised = tuple[str, int] | None  # (light, urge level) from supervision, None if not supervised


def _summary_fields(order: WorkOrder, supervised: Supervised) -> dict[str, object]:
    light, level = supervised or (None, 0)
    return {
        "order_id": order.order_id,
        "case_no": order.case_no,
        "unit_id": order.unit_id,
        "unit_name": order.unit_name,
        "role": order.role,
        "status": order.status,
        "dispatch_no": order.dispatch_no,
        "designated": order.designated,
        "info_only": order.info_only,
        "dispatched_at": order.dispatched_at,
        "sign_due_at": order.sign_due_at,
        "contact_due_at": order.contact_due_at,
        "reply_due_at": order.reply_due_at,
        "return_due_at": order.return_due_at,
        "provisional": order.provisional,
        "rehandle_count": order.rehandle_count,
        "light": light,
        "urge_level": UrgeLevel(level).name if level else None,
    }


def summary(order: WorkOrder, case: DispatchCase, supervised: Supervised) -> OrderSummary:
    return OrderSummary(**_summary_fields(order, supervised), case=case_brief(case))


async def summaries(session: AsyncSession, rows: list[tuple[WorkOrder, DispatchCase]]) -> list[OrderSummary]:
    states = await supervision.lights(session, [o.order_id for o, _ in rows])
    return [summary(o, c, states.get(o.order_id)) for o, c in rows]


def _reply(order: WorkOrder) -> ReplyOut | None:
    if order.reply_seq == 0 or order.reply_result is None:
        return None
    return ReplyOut(
        seq=order.reply_seq,
        result=order.reply_result,
        solved=order.reply_solved,
        attachments=list(order.reply_attachments or []),
        at=order.replied_at,
    )


async def detail(session: AsyncSession, rt: Runtime, *, order: WorkOrder) -> OrderDetail:
    case = await cases_repo.get(session, order.case_no)
    assert case is not None
    co_orders: list[CoOrderOut] = []
    if order.role == Role.lead:
        siblings = await repository.of_case(session, order.case_no)
        co_orders = [
            CoOrderOut(order_id=o.order_id, unit_id=o.unit_id, unit_name=o.unit_name, status=o.status, reply=_reply(o))
            for o in siblings
            if o.role == Role.co and o.dispatch_no == order.dispatch_no
        ]
    extensions = await session.scalars(
        select(Extension).where(Extension.order_id == order.order_id).order_by(Extension.id)
    )
    pauses = await session.scalars(select(Pause).where(Pause.order_id == order.order_id).order_by(Pause.id))
    history = [
        HistoryEntry(
            at=e.at,
            type=e.type,
            actor={"subject": e.actor_subject, "role": e.actor_role},
            from_status=e.from_status,
            to_status=e.to_status,
            detail=e.detail,
        )
        for e in await timeline.for_order(session, order.order_id)
    ]
    now = rt.clock.now()
    states = await supervision.lights(session, [order.order_id])
    return OrderDetail(
        **_summary_fields(order, states.get(order.order_id)),
        case=case_detail(case),
        allowed_actions=[a.value for a in allowed_actions(OrderState.of(order), now=now)],
        lead_order_id=order.lead_order_id,
        signed_at=order.signed_at,
        contacted_at=order.contacted_at,
        replied_at=order.replied_at,
        returned_at=order.returned_at,
        closed_at=order.closed_at,
        close_reason=order.close_reason,
        policy=order.policy,
        extension_count=order.extension_count,
        paused_at=order.paused_at,
        paused_working_seconds=order.paused_working_seconds,
        reply_seq=order.reply_seq,
        reply=_reply(order),
        contact_note=order.contact_note,
        return_reason=order.return_reason,
        suggested_unit_id=order.suggested_unit_id,
        co_orders=co_orders,
        extensions=[ExtensionOut.model_validate(e) for e in extensions],
        pauses=[PauseOut.model_validate(p) for p in pauses],
        history=history,
    )

"""Handling units: the inbox to sign for, the orders in hand by deadline, and every workflow action as a form."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from hotline_shared.clock import to_shanghai
from hotline_shared.identity import Role

from ..gateway_api import ApiError
from ..sessions.schemas import ConsoleSession
from .deps import FormDep, api_for, api_refusal, role_page
from .render import PageError, render
from .supervisor import order_context

router = APIRouter()

UnitPage = Annotated[ConsoleSession, role_page(Role.unit)]
IN_HAND = ("signed", "contacted", "reopened", "paused")


def _seconds_left(due: str | None, now: datetime) -> int | None:
    if not due:
        return None
    return int((to_shanghai(datetime.fromisoformat(due)) - now).total_seconds())


@router.get("/inbox", response_class=HTMLResponse, summary="Orders to sign for, and orders in hand by deadline")
async def inbox(request: Request, session: UnitPage) -> Response:
    api = api_for(request, session)
    try:
        pages = await asyncio.gather(
            *(api.get("/api/v1/orders", {"status": s, "limit": 200}) for s in ("dispatched", *IN_HAND))
        )
    except ApiError as exc:
        raise api_refusal(exc) from exc
    now = request.app.state.clock.now()
    to_sign = sorted(pages[0]["items"], key=lambda o: o.get("sign_due_at") or "9999")
    for order in to_sign:
        order["seconds_left"] = _seconds_left(order.get("sign_due_at"), now)
    in_hand = sorted((o for p in pages[1:] for o in p["items"]), key=lambda o: o.get("reply_due_at") or "9999")
    for order in in_hand:
        order["seconds_left"] = _seconds_left(order.get("reply_due_at"), now)
    return render(request, "inbox.html", {"to_sign": to_sign, "in_hand": in_hand})


def _yes_no(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


def _int_or_text(value: str | None) -> int | str | None:
    # Sent as typed: the API names the field when it is not a whole number.
    if not value:
        return None
    return int(value) if value.strip().isdigit() else value


ACTIONS: dict[str, tuple[str, Callable[[dict[str, str]], dict[str, Any] | None], str]] = {
    "sign": ("sign", lambda f: None, "已签收"),
    "contact": ("contact", lambda f: {"note": f.get("note") or None}, "已记录先行联系"),
    "reply": ("reply", lambda f: {"result": f.get("result", ""), "solved": _yes_no(f.get("solved"))}, "已办结答复"),
    "return": (
        "return",
        lambda f: {"reason": f.get("reason", ""), "suggested_unit_id": f.get("suggested_unit_id") or None},
        "已退单",
    ),
    "extension": (
        "extensions",
        lambda f: {"working_days": _int_or_text(f.get("working_days")), "reason": f.get("reason", "")},
        "延期申请已提交，等待审批",
    ),
    "pause": ("pauses", lambda f: {"reason": f.get("reason", "")}, "暂停申请已提交，等待审批"),
    "resume": ("resume", lambda f: None, "已恢复办理"),
}


@router.post("/orders/{order_id}/{action}", response_class=HTMLResponse, summary="A unit's workflow action")
async def act(request: Request, order_id: str, action: str, form: FormDep, session: UnitPage) -> Response:
    if action not in ACTIONS:
        raise PageError(404, "未找到", "没有这个操作。")
    path, body_of, done = ACTIONS[action]
    try:
        await api_for(request, session).post(f"/api/v1/orders/{order_id}/{path}", body_of(form))
    except ApiError as exc:
        if exc.status in (401, 403, 404):
            raise api_refusal(exc) from exc
        context = await order_context(request, session, order_id)
        context.update(
            failed_form=action, form_errors=exc.field_errors() or {"_": exc.detail}, form_values=form, notice=None
        )
        return render(request, "order.html", context, status=exc.status if exc.status < 500 else 502)
    base = request.app.state.settings.base_path
    return RedirectResponse(f"{base}/orders/{order_id}?done={done}", status_code=303)

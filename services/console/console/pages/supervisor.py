"""Supervisors: the live board of red and yellow orders, urges, the approval queues, and one order's story."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from hotline_shared.identity import Role

from ..gateway_api import ApiError
from ..labels import CATEGORY, URGE, URGENCY
from ..sessions.schemas import ConsoleSession
from .deps import FormDep, api_for, api_refusal, role_page
from .render import PageError, render

router = APIRouter()

SupervisorPage = Annotated[ConsoleSession, role_page(Role.supervisor)]
OrderReaders = Annotated[ConsoleSession, role_page(Role.supervisor, Role.unit, Role.operator)]
FILTERS = ("unit_id", "district_code", "topic_code", "category", "urgency")
MAX_NOTE = 500


def _filters(request: Request) -> dict[str, str]:
    return {k: request.query_params.get(k, "").strip()[:40] for k in FILTERS}


@router.get("/board", response_class=HTMLResponse, summary="Overdue and near-due orders (refreshes itself)")
async def board(request: Request, session: SupervisorPage) -> Response:
    api = api_for(request, session)
    filters = _filters(request)
    asked = {k: v for k, v in filters.items() if v}
    try:
        overdue, near_due = await asyncio.gather(
            api.get("/api/v1/supervision/overdue", {**asked, "limit": 200}),
            api.get("/api/v1/supervision/near-due", {**asked, "limit": 200}),
        )
    except ApiError as exc:
        if exc.status != 422:
            raise api_refusal(exc) from exc
        # A filter the API does not accept (e.g. a malformed topic code): say which, show nothing stale.
        overdue = near_due = {"items": [], "as_of": None}
        return render(request, "board.html", {**await _board_options(request, session), "filters": filters,
                      "overdue": overdue, "near_due": near_due, "field_errors": exc.field_errors(),
                      "partial": request.query_params.get("partial") == "1"}, status=422)  # fmt: skip
    context = {
        "filters": filters,
        "overdue": overdue,
        "near_due": near_due,
        "field_errors": {},
        "refresh_s": request.app.state.settings.board_refresh_s,
    }
    if request.query_params.get("partial") == "1":
        return render(request, "board_rows.html", context)
    return render(request, "board.html", {**context, **await _board_options(request, session)})


async def _board_options(request: Request, session: ConsoleSession) -> dict[str, Any]:
    api = api_for(request, session)
    units, areas = await asyncio.gather(api.get("/api/v1/units", {"limit": 200}), api.get("/api/v1/catalog/areas"))
    return {
        "units": units["items"],
        "districts": [a for a in areas["areas"] if a["level"] == "district"],
        "categories": CATEGORY,
        "urgencies": URGENCY,
        "refresh_s": request.app.state.settings.board_refresh_s,
    }


async def order_context(request: Request, session: ConsoleSession, order_id: str) -> dict[str, Any]:
    api = api_for(request, session)
    try:
        order = await api.get(f"/api/v1/orders/{order_id}")
    except ApiError as exc:
        raise api_refusal(exc) from exc
    return {"order": order, "form_errors": {}, "form_values": {}, "failed_form": None, "notice": None}


@router.get("/orders/{order_id}", response_class=HTMLResponse, summary="One order: deadlines, actions, timeline")
async def order_page(request: Request, order_id: str, session: OrderReaders) -> Response:
    context = await order_context(request, session, order_id)
    context["notice"] = request.query_params.get("done")
    return render(request, "order.html", context)


@router.get("/orders/{order_id}/urge", response_class=HTMLResponse, summary="Confirm an urge (督办)")
async def urge_form(request: Request, order_id: str, session: SupervisorPage) -> Response:
    context = await order_context(request, session, order_id)
    return render(request, "urge.html", {**context, "levels": URGE, "errors": {}, "values": {}})


@router.post("/orders/{order_id}/urge", response_class=HTMLResponse, summary="Issue an urge")
async def urge(request: Request, order_id: str, form: FormDep, session: SupervisorPage) -> Response:
    api = api_for(request, session)
    body: dict[str, Any] = {"order_id": order_id, "level": form.get("level", ""), "note": form.get("note") or None}
    try:
        await api.post("/api/v1/supervision/urges", body, idempotency_key=form.get("idem") or str(uuid.uuid4()))
    except ApiError as exc:
        if exc.status in (401, 403, 404):
            raise api_refusal(exc) from exc
        context = await order_context(request, session, order_id)
        errors = exc.field_errors() or {"_": exc.detail}
        return render(request, "urge.html", {**context, "levels": URGE, "errors": errors, "values": form}, status=422)
    base = request.app.state.settings.base_path
    return RedirectResponse(f"{base}/orders/{order_id}?done=urged", status_code=303)


@router.get("/approvals", response_class=HTMLResponse, summary="Extension and pause requests awaiting a decision")
async def approvals(request: Request, session: SupervisorPage) -> Response:
    return render(request, "approvals.html", await _approvals(request, session))


async def _approvals(request: Request, session: ConsoleSession, **extra: Any) -> dict[str, Any]:
    api = api_for(request, session)
    try:
        extensions, pauses = await asyncio.gather(
            api.get("/api/v1/extensions", {"status": "pending", "limit": 200}),
            api.get("/api/v1/pauses", {"status": "pending", "limit": 200}),
        )
    except ApiError as exc:
        raise api_refusal(exc) from exc
    return {"extensions": extensions["items"], "pauses": pauses["items"], "errors": {}, "notice": None, **extra}


@router.post("/{kind}/{request_id}/decision", response_class=HTMLResponse, summary="Approve or reject a request")
async def decide(request: Request, kind: str, request_id: int, form: FormDep, session: SupervisorPage) -> Response:
    if kind not in ("extensions", "pauses"):
        raise PageError(404, "未找到", "没有这种审批事项。")
    if form.get("approve") not in ("yes", "no"):
        context = await _approvals(request, session, errors={(kind, request_id): {"approve": "请选择批准或驳回。"}})
        return render(request, "approvals.html", context, status=422)
    body = {"approve": form["approve"] == "yes", "note": form.get("note") or None}
    try:
        await api_for(request, session).post(f"/api/v1/{kind}/{request_id}/decision", body)
    except ApiError as exc:
        if exc.status in (401, 403, 404):
            raise api_refusal(exc) from exc
        errors = {(kind, request_id): exc.field_errors() or {"_": exc.detail}}
        return render(request, "approvals.html", await _approvals(request, session, errors=errors), status=422)
    verdict = "已批准" if body["approve"] else "已驳回"
    return render(
        request, "approvals.html", await _approvals(request, session, notice=f"{verdict}（编号 {request_id}）。")
    )

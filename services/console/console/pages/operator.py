"""Operators: the callback queue (回访) with the caller's name and phone, and the manual dispatch queue."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from hotline_shared.identity import Role

from ..gateway_api import ApiError
from ..labels import SATISFACTION
from ..sessions.schemas import ConsoleSession
from .deps import FormDep, api_for, api_refusal, role_page
from .render import render

router = APIRouter()

OperatorPage = Annotated[ConsoleSession, role_page(Role.operator)]
DispatchPage = Annotated[ConsoleSession, role_page(Role.operator, Role.supervisor)]


async def _callbacks(request: Request, session: ConsoleSession, **extra: Any) -> dict[str, Any]:
    try:
        page = await api_for(request, session).get("/api/v1/callbacks", {"limit": 200})
    except ApiError as exc:
        raise api_refusal(exc) from exc
    return {"items": page["items"], "satisfactions": SATISFACTION, "errors": {}, "values": {}, "notice": None, **extra}


@router.get("/callbacks", response_class=HTMLResponse, summary="Callbacks due or overdue")
async def callbacks(request: Request, session: OperatorPage) -> Response:
    return render(request, "callbacks.html", await _callbacks(request, session))


def _yes_no(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


@router.post("/callbacks/{case_no}", response_class=HTMLResponse, summary="Record a callback's outcome")
async def record_callback(request: Request, case_no: str, form: FormDep, session: OperatorPage) -> Response:
    body: dict[str, Any] = {"outcome": form.get("outcome", "")}
    if body["outcome"] == "rated":
        body |= {
            "satisfaction": form.get("satisfaction") or None,
            "solved": _yes_no(form.get("solved")),
            "unit_at_fault": _yes_no(form.get("unit_at_fault")),
        }
    if form.get("comment"):
        body["comment"] = form["comment"]
    try:
        result = await api_for(request, session).post(f"/api/v1/callbacks/{case_no}", body)
    except ApiError as exc:
        if exc.status in (401, 403, 404):
            raise api_refusal(exc) from exc
        errors = {case_no: exc.field_errors() or {"_": exc.detail}}
        context = await _callbacks(request, session, errors=errors, values={case_no: form})
        return render(request, "callbacks.html", context, status=422 if exc.status == 422 else exc.status)
    said = "已办结" if result.get("closed") else "已记录"
    notice = f"{case_no} 回访结果{said}。" if body["outcome"] == "rated" else f"{case_no} 已记录一次未接通。"
    return render(request, "callbacks.html", await _callbacks(request, session, notice=notice))


async def _queue(request: Request, session: ConsoleSession, **extra: Any) -> dict[str, Any]:
    api = api_for(request, session)
    try:
        queue, units = await asyncio.gather(
            api.get("/api/v1/dispatch-queue", {"limit": 200}), api.get("/api/v1/units", {"limit": 200})
        )
    except ApiError as exc:
        raise api_refusal(exc) from exc
    return {"items": queue["items"], "units": units["items"], "errors": {}, "notice": None, **extra}


@router.get("/dispatch-queue", response_class=HTMLResponse, summary="Cases waiting for a manual dispatch")
async def dispatch_queue(request: Request, session: DispatchPage) -> Response:
    return render(request, "dispatch_queue.html", await _queue(request, session))


@router.post("/cases/{case_no}/dispatch", response_class=HTMLResponse, summary="Dispatch a case by hand")
async def dispatch(request: Request, case_no: str, form: FormDep, session: DispatchPage) -> Response:
    body = {"unit_id": form.get("unit_id", ""), "designate": form.get("designate") == "yes"}
    try:
        await api_for(request, session).post(f"/api/v1/cases/{case_no}/dispatch", body)
    except ApiError as exc:
        if exc.status in (401, 403, 404):
            raise api_refusal(exc) from exc
        errors = {case_no: exc.field_errors() or {"_": exc.detail}}
        return render(request, "dispatch_queue.html", await _queue(request, session, errors=errors), status=422)
    return render(request, "dispatch_queue.html", await _queue(request, session, notice=f"{case_no} 已派单。"))

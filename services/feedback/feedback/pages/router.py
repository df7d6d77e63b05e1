"""Server-rendered public pages: the board (/board) and case tracking (/track).

Plain HTML with inline CSS, readable on a phone, no script. They call the same service functions
as the JSON API, so masking and throttling are identical.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from hotline_shared.app import ClockDep, ReadSessionDep, SessionDep
from hotline_shared.errors import AppError, NotFound, TooManyRequests
from hotline_shared.identity import IdentityDep
from hotline_shared.pages import page_templates
from pydantic import ValidationError

from ..callbacks import service as callbacks
from ..callbacks.schemas import RatingCreate
from ..deps import OutboxDep, PolicyDep, ThrottleDep
from ..public import service as public

router = APIRouter(tags=["pages"])
templates = page_templates(Path(__file__).parent / "templates")

HTML: dict[str, Any] = {"content": {"text/html": {}}}
MAX_FORM_BYTES = 8192


@router.get("/board", response_class=HTMLResponse, summary="Public board page", responses={200: HTML})
async def board_page(
    request: Request,
    session: ReadSessionDep,
    identity: IdentityDep,
    on_date: Annotated[date | None, Query(alias="date")] = None,
    topic_code: Annotated[str | None, Query(max_length=40)] = None,
    district_code: Annotated[str | None, Query(max_length=20)] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> HTMLResponse:
    settings = request.app.state.settings
    page = await public.board(
        session,
        on_date=on_date,
        topic_code=topic_code or None,
        district_code=district_code or None,
        limit=settings.board_page_size,
        cursor=cursor,
    )
    filters = {
        "date": on_date.isoformat() if on_date else None,
        "topic_code": topic_code,
        "district_code": district_code,
    }
    next_query = {k: v for k, v in filters.items() if v} | {"cursor": page.next_cursor or ""}
    return templates.TemplateResponse(
        request,
        "board.html",
        {"page": page, "filters": filters, "next_url": f"/board?{urlencode(next_query)}"},
    )


def _track(request: Request, status: int = 200, headers: dict[str, str] | None = None, **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, "track.html", context, status_code=status, headers=headers)


@router.get("/track", response_class=HTMLResponse, summary="Case progress page", responses={200: HTML})
async def track_page(
    request: Request,
    session: SessionDep,
    identity: IdentityDep,
    throttle: ThrottleDep,
    case_no: Annotated[str | None, Query(max_length=40)] = None,
    code: Annotated[str | None, Query(max_length=12)] = None,
    rated: Annotated[bool, Query()] = False,
) -> HTMLResponse:
    if not case_no or not code:
        return _track(request, case_no=case_no)
    try:
        record = await public.find_by_code(
            session, case_no=case_no.strip(), code=code, client_ip=identity.client_ip, throttle=throttle
        )
    except NotFound:
        return _track(request, 404, case_no=case_no, error="未找到该工单，请核对工单号和查询码。")
    except TooManyRequests as exc:
        return _track(request, 429, headers=exc.headers, case_no=case_no, error="查询失败次数过多，请稍后再试。")
    view = await public.public_view(session, record)
    notice = "感谢您的评价！" if rated else None
    return _track(request, case_no=case_no, code=code, case=view, notice=notice)


@router.post(
    "/track/rating",
    response_class=HTMLResponse,
    summary="Rating form of the progress page (application/x-www-form-urlencoded)",
    responses={303: {"description": "Back to the progress page"}, 200: HTML},
    openapi_extra={
        "requestBody": {
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "required": ["case_no", "code", "satisfaction"],
                        "properties": {
                            "case_no": {"type": "string", "maxLength": 40},
                            "code": {"type": "string", "maxLength": 12},
                            "satisfaction": {
                                "type": "string",
                                "enum": ["satisfied", "basically_satisfied", "unsatisfied"],
                            },
                            "solved": {"type": "string", "enum": ["yes", "no"]},
                            "comment": {"type": "string", "maxLength": 1000},
                        },
                    }
                }
            },
            "required": True,
        }
    },
)
async def rate_from_page(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    identity: IdentityDep,
    throttle: ThrottleDep,
    outbox: OutboxDep,
    policy: PolicyDep,
) -> Response:
    raw = await request.body()
    form = {k: v[0] for k, v in parse_qs(raw[:MAX_FORM_BYTES].decode("utf-8", "replace")).items()}
    case_no, code = form.get("case_no", "").strip()[:40], form.get("code", "").strip()[:12]
    if not case_no or not code:
        return _track(request, 422, case_no=case_no, error="请填写工单号和查询码。")
    try:
        rating = RatingCreate(
            satisfaction=form.get("satisfaction", ""),
            solved={"yes": True, "no": False}.get(form.get("solved", "")),
            comment=form.get("comment") or None,
        )
    except ValidationError:
        return _track(request, 422, case_no=case_no, error="请选择满意、基本满意或不满意。")
    try:
        await public.find_by_code(session, case_no=case_no, code=code, client_ip=identity.client_ip, throttle=throttle)
        await callbacks.rate_by_citizen(
            session,
            case_no=case_no,
            satisfaction=rating.satisfaction,
            solved=rating.solved,
            comment=rating.comment,
            idempotency_key=None,
            outbox=outbox,
            policy=policy,
            clock=clock,
        )
    except NotFound:
        return _track(request, 404, case_no=case_no, error="未找到该工单，请核对工单号和查询码。")
    except TooManyRequests as exc:
        return _track(request, 429, headers=exc.headers, case_no=case_no, error="查询失败次数过多，请稍后再试。")
    except AppError as exc:
        return _track(request, exc.status, case_no=case_no, error=exc.detail.split(" ")[0])
    query = urlencode({"case_no": case_no, "code": code, "rated": "true"})
    return RedirectResponse(f"/track?{query}", status_code=303)

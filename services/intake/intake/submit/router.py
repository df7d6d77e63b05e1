"""The citizen's own submission page (/submit): plain HTML forms, no script, readable on a phone.

Two forms: the phone gets its one-time code first, then the case itself (with photos) is posted as
multipart. Both go through the same service functions as the JSON API, so limits, validation,
duplicate linking and masking are identical. A refusal re-renders the form with the reason in
Chinese and everything typed kept (except the photos and the code, which a browser cannot refill).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from hotline_shared.app import ClockDep, SessionDep
from hotline_shared.errors import AppError, PayloadTooLarge
from hotline_shared.events import Outbox
from hotline_shared.identity import IdentityDep
from hotline_shared.pages import page_templates
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData, UploadFile
from starlette.requests import ClientDisconnect

from ..cases.dependencies import SettingsDep
from ..cases.schemas import Location
from ..catalog.dependencies import CatalogDep
from ..catalog.snapshot import CatalogSnapshot
from ..config import IntakeSettings
from ..outbox import get_outbox
from ..public.dependencies import SmsDep, StoreDep, ThrottleDep
from ..public.router import track_url
from ..public.schemas import PublicCaller, PublicCaseCreate, PublicChannel
from ..public.service import submit_citizen_case
from ..verification import service as verification
from .choices import area_chain, area_groups, topic_choices, topic_code_for

router = APIRouter(tags=["pages"])
templates = page_templates(Path(__file__).parent / "templates")
OutboxDep = Annotated[Outbox, Depends(get_outbox)]

HTML: dict[str, Any] = {"content": {"text/html": {}}}
CATEGORIES = [
    ("complaint", "投诉"),
    ("help", "求助"),
    ("report", "举报"),
    ("suggestion", "建议"),
    ("consult", "咨询"),
    ("praise", "表扬"),
    ("other", "其他"),
]
TEXT_FIELDS = ("category", "topic", "community_code", "address", "title", "description", "name", "phone")
CODE_FORM_BYTES = 4096


def _page(
    request: Request,
    catalog: CatalogSnapshot,
    settings: IntakeSettings,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    context.setdefault("form", {})
    context |= {
        "categories": CATEGORIES,
        "topics": topic_choices(catalog),
        "areas": area_groups(catalog),
        "photo_max_count": settings.photo_max_count,
        "photo_max_mb": settings.photo_max_bytes // (1024 * 1024),
    }
    return templates.TemplateResponse(request, "submit.html", context, status_code=status, headers=headers)


def _reason(exc: AppError) -> str:
    """The citizen reads the field messages (Chinese first), not the problem's summary."""
    if exc.errors:
        return "；".join(str(e.get("message", "")).split(" / ")[0] for e in exc.errors[:5])
    return exc.detail.split(" Too many")[0]


async def _refused(
    request: Request,
    session: AsyncSession,
    catalog: CatalogSnapshot,
    settings: IntakeSettings,
    exc: AppError,
    form: dict[str, Any],
) -> HTMLResponse:
    # Nothing of a refused submission stays: the request's transaction would otherwise commit.
    await session.rollback()
    return _page(request, catalog, settings, status=exc.status, headers=exc.headers, error=_reason(exc), form=form)


async def _read_body(request: Request, limit: int) -> None:
    declared = request.headers.get("content-length")
    too_large = PayloadTooLarge(f"提交的内容超过 {limit // (1024 * 1024)} MB，请减少或压缩照片后再提交。")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    # Starlette parses the form from this cached body instead of reading the socket again.
    request._body = b"".join(chunks)


async def _form(request: Request, limit: int, max_files: int) -> FormData:
    try:
        await _read_body(request, limit)
        return await request.form(max_files=max_files, max_fields=40)
    except ClientDisconnect as exc:
        raise PayloadTooLarge("提交中断，请重新提交。") from exc
    except AppError:
        raise
    except Exception as exc:  # python-multipart's errors: a malformed or over-limit form
        raise PayloadTooLarge(f"提交的表单无法识别或照片过多（最多{max_files - 1}张）。") from exc


@router.get("/submit", response_class=HTMLResponse, summary="Citizen submission page", responses={200: HTML})
async def submit_page(
    request: Request, session: SessionDep, identity: IdentityDep, catalog: CatalogDep, settings: SettingsDep
) -> HTMLResponse:
    return _page(request, await catalog.get(session), settings)


@router.post(
    "/submit/code",
    response_class=HTMLResponse,
    summary="Send the SMS code from the submission page (application/x-www-form-urlencoded: phone)",
    responses={200: HTML},
)
async def send_code_from_page(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    identity: IdentityDep,
    catalog: CatalogDep,
    settings: SettingsDep,
    sender: SmsDep,
    throttle: ThrottleDep,
) -> HTMLResponse:
    snapshot = await catalog.get(session)
    form: dict[str, Any] = {}
    try:
        data = await _form(request, CODE_FORM_BYTES, 1)
        form["phone"] = str(data.get("phone") or "")[:20]
        phone = verification.mobile_or_refuse(form["phone"], field=["form", "phone"])
        sent = await verification.send_code(
            session,
            phone=phone,
            client_ip=identity.client_ip,
            settings=settings,
            clock=clock,
            sender=sender,
            throttle=throttle,
        )
    except AppError as exc:
        return await _refused(request, session, snapshot, settings, exc, form)
    notice = f"验证码已发送至 {sent.phone_masked}，{sent.expires_in_s // 60} 分钟内有效。请继续填写下面的诉求。"
    return _page(request, snapshot, settings, notice=notice, form=form)


async def _photos(data: FormData) -> list[bytes]:
    files = []
    for item in data.getlist("photos"):
        if isinstance(item, UploadFile) and (item.filename or item.size):
            content = await item.read()
            if content:
                files.append(content)
    return files


@router.post(
    "/submit",
    response_class=HTMLResponse,
    summary="Post the submission form (multipart/form-data, photos optional)",
    responses={200: HTML, 201: HTML},
)
async def submit_from_page(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    identity: IdentityDep,
    catalog: CatalogDep,
    settings: SettingsDep,
    outbox: OutboxDep,
    store: StoreDep,
    throttle: ThrottleDep,
) -> HTMLResponse:
    snapshot = await catalog.get(session)
    form: dict[str, Any] = {}
    try:
        data = await _form(request, settings.public_body_limit, settings.photo_max_count + 1)
        form = {k: str(data.get(k) or "").strip() for k in TEXT_FIELDS if not isinstance(data.get(k), UploadFile)}
        form["confidential"] = data.get("confidential") == "yes"
        if str(data.get("website") or ""):
            # The hidden field only a robot fills in.
            return await _refused(
                request, session, snapshot, settings, AppError("提交未被接受：表单中有不应填写的内容。"), form
            )
        district, street = area_chain(snapshot, form.get("community_code", ""))
        try:
            body = PublicCaseCreate(
                channel=PublicChannel.web,
                category=form.get("category") or "other",
                topic_code=topic_code_for(snapshot, form.get("topic", "")),
                description=form.get("description", ""),
                title=form.get("title") or None,
                caller=PublicCaller(
                    name=form.get("name", ""), phone=form.get("phone", ""), confidential=form["confidential"]
                ),
                location=Location(
                    district_code=district,
                    street_code=street,
                    community_code=form.get("community_code") or None,
                    address=form.get("address") or None,
                ),
                verification_code=str(data.get("verification_code") or "").strip()[:12],
            )
        except ValidationError as exc:
            fields = "、".join(str(e["loc"][-1]) for e in exc.errors()[:5])
            return await _refused(
                request, session, snapshot, settings, AppError(f"以下内容过长或格式有误，请修改：{fields}"), form
            )
        result = await submit_citizen_case(
            session,
            body=body,
            photo_files=await _photos(data),
            identity=identity,
            settings=settings,
            outbox=outbox,
            clock=clock,
            catalog=catalog,
            store=store,
            throttle=throttle,
            prefix=("form",),
        )
    except AppError as exc:
        return await _refused(request, session, snapshot, settings, exc, form)
    accepted = result.registration.accepted
    return _page(
        request,
        snapshot,
        settings,
        status=201,
        accepted=accepted,
        photo_count=len(result.photo_ids),
        track_url=track_url(accepted.case_no, accepted.lookup_code),
    )

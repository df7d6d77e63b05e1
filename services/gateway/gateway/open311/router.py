"""Open311 GeoReport v2 under /open311/v2/ (http://wiki.open311.org/GeoReport_v2), JSON and XML.

The access middleware has already matched the path, found the key (the `api_key` parameter),
checked the role and the rate limit; refusals there take the same shape as the ones here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from hotline_shared.errors import AppError, NotFound
from starlette.datastructures import Headers
from starlette.responses import Response

from ..access.context import AccessDep
from . import service
from .access import form_fields, spec_status
from .formats import Format, error_response, render

router = APIRouter(prefix="/open311/v2", include_in_schema=False)


def _format(value: str) -> Format:
    try:
        return Format(value)
    except ValueError:
        raise NotFound(f"不支持的格式 .{value}，请用 .json 或 .xml / format must be json or xml.") from None


async def _answer(fmt_text: str, build: Callable[[Format], Awaitable[Response]]) -> Response:
    fmt = Format.xml if fmt_text == "xml" else Format.json
    try:
        return await build(_format(fmt_text))
    except AppError as exc:
        return error_response(fmt, spec_status(exc), exc.detail, headers=exc.headers)


@router.get("/discovery.{fmt}")
async def discovery(fmt: str, request: Request, access: AccessDep) -> Response:
    async def build(f: Format) -> Response:
        settings = request.app.state.settings
        base = str(request.base_url).rstrip("/") + "/open311/v2"
        body = {
            "changeset": service.CHANGESET,
            "contact": settings.open311_contact,
            "key_service": settings.open311_key_service,
            "endpoints": [
                {
                    "specification": service.SPECIFICATION,
                    "url": base,
                    "changeset": service.CHANGESET,
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        }
        return render(f, "discovery", body)

    return await _answer(fmt, build)


@router.get("/services.{fmt}")
async def services(fmt: str, request: Request, access: AccessDep) -> Response:
    async def build(f: Format) -> Response:
        return render(f, "services", await service.services(request.app.state, identity=access.identity))

    return await _answer(fmt, build)


@router.get("/services/{service_code}.{fmt}")
async def service_definition(service_code: str, fmt: str, request: Request, access: AccessDep) -> Response:
    async def build(f: Format) -> Response:
        definition = await service.service_definition(
            request.app.state, identity=access.identity, service_code=service_code
        )
        return render(f, "service_definition", definition)

    return await _answer(fmt, build)


@router.post("/requests.{fmt}")
async def post_request(fmt: str, request: Request, access: AccessDep) -> Response:
    async def build(f: Format) -> Response:
        body = await request.body()
        fields = form_fields(Headers(scope=request.scope), body)
        if not fields:
            raise AppError(
                "请以 application/x-www-form-urlencoded 表单提交 / post the request as a url-encoded form."
            )
        posted = await service.post_request(
            request.app.state,
            identity=access.identity,
            fields=fields,
            idempotency_key=request.headers.get("idempotency-key"),
        )
        answer: list[dict[str, Any]] = [
            {
                "service_request_id": posted.case_no,
                "token": posted.token,
                "service_notice": posted.notice,
                "account_id": None,
            }
        ]
        return render(f, "service_requests", answer, status=201)

    return await _answer(fmt, build)


@router.get("/requests.{fmt}")
async def list_requests(fmt: str, request: Request, access: AccessDep) -> Response:
    async def build(f: Format) -> Response:
        query = {k: v for k, v in request.query_params.items() if k != "api_key"}
        items = await service.list_requests(
            request.app.state, identity=access.identity, query=query, clock=request.app.state.clock
        )
        return render(f, "service_requests", items)

    return await _answer(fmt, build)


@router.get("/requests/{service_request_id}.{fmt}")
async def get_request(service_request_id: str, fmt: str, request: Request, access: AccessDep) -> Response:
    async def build(f: Format) -> Response:
        item = await service.get_request(
            request.app.state, identity=access.identity, service_request_id=service_request_id
        )
        return render(f, "service_requests", [item])

    return await _answer(fmt, build)


@router.get("/tokens/{token}.{fmt}")
async def token(token: str, fmt: str, request: Request, access: AccessDep) -> Response:
    async def build(f: Format) -> Response:
        case_no = service.read_token(token, request.app.state.settings.identity_secret)
        if case_no is None:
            raise NotFound(f"没有这个 token / token {token} not found.")
        return render(f, "service_requests", [{"service_request_id": case_no, "token": token}])

    return await _answer(fmt, build)

"""Forward an authorised request to the owning service, streaming both ways."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import structlog
from fastapi import APIRouter, Request
from hotline_shared.errors import AppError, GatewayTimeout, NotFound, ServiceUnavailable
from hotline_shared.identity import IDENTITY_HEADER, sign_identity
from hotline_shared.observability import REQUEST_ID_HEADER
from starlette.background import BackgroundTask
from starlette.responses import StreamingResponse

from ..access.context import AccessDep
from ..errors import BadGateway
from .headers import request_headers, response_headers

log = structlog.get_logger("proxy")

router = APIRouter()

ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


class _RequestBody(httpx.AsyncByteStream):
    """The client's body, passed through chunk by chunk (never buffered whole)."""

    def __init__(self, request: Request) -> None:
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._request.stream():
            if chunk:
                yield chunk


def _has_body(request: Request) -> bool:
    length = request.headers.get("content-length")
    return (length is not None and length != "0") or "chunked" in request.headers.get("transfer-encoding", "").lower()


def _unavailable(service: str) -> ServiceUnavailable:
    return ServiceUnavailable(f"{service} is unavailable, try again shortly.", headers={"Retry-After": "5"})


@router.api_route("/{path:path}", methods=ALL_METHODS, include_in_schema=False)
async def forward(request: Request, access: AccessDep) -> StreamingResponse:
    route = access.matched.route
    if route.service == "gateway":
        # Listed in the table but not served: a gateway route was removed without updating the table.
        raise NotFound(f"No such resource: {request.url.path}.")
    settings = request.app.state.settings
    client: httpx.AsyncClient = request.app.state.http
    base = httpx.URL(settings.upstream_urls()[route.service])
    url = base.copy_with(raw_path=request.scope.get("raw_path") or request.url.path.encode())
    if request.scope.get("query_string"):
        url = url.copy_with(query=request.scope["query_string"])

    headers = request_headers([(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.scope["headers"]])
    headers.append(("host", base.netloc.decode()))
    headers.append((IDENTITY_HEADER, sign_identity(access.identity, settings.identity_secret)))
    if access.identity.request_id:
        headers.append((REQUEST_ID_HEADER, access.identity.request_id))
    if access.forwarded_for:
        headers.append(("x-forwarded-for", access.forwarded_for))
    headers.append(("x-forwarded-proto", request.url.scheme))
    if "host" in request.headers:
        headers.append(("x-forwarded-host", request.headers["host"]))
    stream: httpx.AsyncByteStream | httpx.ByteStream = httpx.ByteStream(b"")
    if _has_body(request):
        stream = _RequestBody(request)
        if "content-length" not in request.headers:
            headers.append(("transfer-encoding", "chunked"))

    # Header values go on as the bytes that came in: a latin-1 str would make httpx re-encode
    # it as ASCII and fail on any byte above 0x7f (a UTF-8 "café"), which used to be a 500.
    raw_headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers]
    upstream_request = httpx.Request(request.method, url, headers=raw_headers, stream=stream)
    try:
        upstream = await client.send(upstream_request, stream=True)
    except AppError:
        raise  # e.g. the body grew past the size limit while streaming
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
        log.warning("upstream_unavailable", service=route.service, error=type(exc).__name__)
        raise _unavailable(route.service) from exc
    except httpx.TimeoutException as exc:
        log.warning("upstream_timeout", service=route.service, error=type(exc).__name__)
        raise GatewayTimeout(
            f"{route.service} did not answer in time; the request may or may not have been applied. "
            "Retry with the same Idempotency-Key to be safe."
        ) from exc
    except httpx.TransportError as exc:
        log.warning("upstream_broken", service=route.service, error=type(exc).__name__)
        raise BadGateway(f"{route.service} broke off the answer; please retry shortly.") from exc

    response = StreamingResponse(
        upstream.aiter_raw(), status_code=upstream.status_code, background=BackgroundTask(upstream.aclose)
    )
    response.raw_headers = [
        (k.encode("latin-1"), v.encode("latin-1")) for k, v in response_headers(upstream.headers.multi_items())
    ]
    return response

"""Calls from the Open311 adapter to the services behind the gateway, signed as the caller."""

from __future__ import annotations

from typing import Any

import httpx
import structlog
from hotline_shared.errors import GatewayTimeout, ServiceUnavailable
from hotline_shared.identity import IDENTITY_HEADER, Identity, sign_identity
from hotline_shared.observability import REQUEST_ID_HEADER
from starlette.datastructures import State

log = structlog.get_logger("open311")


async def call(
    state: State,
    service: str,
    method: str,
    path: str,
    *,
    identity: Identity,
    params: dict[str, str] | None = None,
    json: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    settings = state.settings
    client: httpx.AsyncClient = state.http
    sent = {IDENTITY_HEADER: sign_identity(identity, settings.identity_secret), **(headers or {})}
    if identity.request_id:
        sent[REQUEST_ID_HEADER] = identity.request_id
    url = settings.service_urls()[service] + path
    try:
        return await client.request(method, url, params=params, json=json, headers=sent)
    except httpx.TimeoutException as exc:
        log.warning("open311_upstream_timeout", service=service, error=type(exc).__name__)
        raise GatewayTimeout(f"{service} 响应超时，请稍后重试 / {service} did not answer in time.") from exc
    except httpx.TransportError as exc:
        log.warning("open311_upstream_unavailable", service=service, error=type(exc).__name__)
        raise ServiceUnavailable(
            f"{service} 暂时不可用，请稍后重试 / {service} is unavailable, try again shortly.",
            headers={"Retry-After": "5"},
        ) from exc

"""The console's only way to the data: the gateway's public API, called with the signed-in person's key.

Every call carries that person's key, so the gateway's roles, scoping, rate limits and audit apply
exactly as they would to the SDK; the console cannot see more than the key may.
"""

from __future__ import annotations

from typing import Any

import httpx
import structlog

log = structlog.get_logger("console.api")


class ApiError(Exception):
    """A non-2xx answer from the gateway (or no answer), with its problem+json pieces."""

    def __init__(self, status: int, detail: str, *, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors or []

    def field_errors(self) -> dict[str, str]:
        """`body.result` → `result`: the form field each message belongs next to."""
        out: dict[str, str] = {}
        for e in self.errors:
            field = str(e.get("field", ""))
            name = field.split(".", 1)[1] if field.startswith(("body.", "query.")) else field
            out.setdefault(name or "_", str(e.get("message", "")))
        return out


class GatewayApi:
    def __init__(self, http: httpx.AsyncClient, *, api_key: str, forwarded_for: str | None) -> None:
        self._http = http
        self._headers = {"Authorization": f"Bearer {api_key}"}
        if forwarded_for:
            # The gateway counts failed keys and rate limits per client address: the person's, not ours.
            self._headers["X-Forwarded-For"] = forwarded_for

    async def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        clean = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        return await self._send("GET", path, params=clean)

    async def post(self, path: str, body: dict[str, Any] | None = None, *, idempotency_key: str | None = None) -> Any:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        return await self._send("POST", path, json=body if body is not None else {}, headers=headers)

    async def _send(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {**self._headers, **kwargs.pop("headers", {})}
        try:
            response = await self._http.request(method, path, headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            log.warning("gateway_unreachable", path=path, error=type(exc).__name__)
            raise ApiError(503, "暂时无法连接服务网关，请稍后再试。") from exc
        if response.status_code >= 400:
            body: dict[str, Any] = {}
            if response.headers.get("content-type", "").startswith(("application/problem+json", "application/json")):
                parsed = response.json()
                body = parsed if isinstance(parsed, dict) else {}
            log.info("gateway_refused", path=path, status=response.status_code)
            raise ApiError(
                response.status_code,
                str(body.get("detail") or f"服务返回错误（{response.status_code}）。"),
                errors=list(body.get("errors") or []),
            )
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

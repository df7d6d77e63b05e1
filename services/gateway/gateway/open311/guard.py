"""The shared input guard's refusal (control characters in the URL), told in GeoReport v2's shape."""

from __future__ import annotations

from hotline_shared.input_guard import url_errors
from starlette.types import ASGIApp, Receive, Scope, Send

from ..routing.table import OPEN311_PREFIX
from .formats import error_response, format_of


class Open311InputGuard:
    """Sits outside the shared InputGuard, so Open311 clients get the error list they can parse."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(OPEN311_PREFIX) and (errors := url_errors(scope)):
            names = ", ".join(e["field"].removeprefix("query.") for e in errors[:5])
            detail = f"参数含控制字符（如 %00 或换行），请删除 / remove the control characters from: {names}"
            response = error_response(format_of(scope["path"]), 400, detail)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

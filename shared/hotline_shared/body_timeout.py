"""A request body that stops arriving is a 408 after a while, not a connection held for good.

uvicorn has no body read timeout of its own: a client that sends ``Content-Length: 1000`` and ten
bytes keeps a connection and a handler waiting as long as it likes (slowloris). The wait applies
to each piece of the body only; once the body is complete, ``receive`` is passed through untouched
because streaming responses wait on it for the client's disconnect.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import RequestTimeout


class BodyReadTimeout:
    def __init__(self, app: ASGIApp, *, timeout_s: float) -> None:
        self.app = app
        self.timeout_s = timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body_done = False

        async def timed_receive() -> Message:
            nonlocal body_done
            if body_done:
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), self.timeout_s)
            except TimeoutError:
                raise RequestTimeout(
                    f"请求体在 {self.timeout_s:g} 秒内未到齐。"
                    f" The request body did not arrive within {self.timeout_s:g} seconds; send it again."
                ) from None
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_done = True
            return message

        await self.app(scope, timed_receive, send)

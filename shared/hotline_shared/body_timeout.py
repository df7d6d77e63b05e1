"""A request body that stops arriving is a 408 after a while, not a connection held for good.

uvicorn has no body read timeout of its own: a client that sends ``Content-Length: 1000`` and ten
bytes keeps a connection and a handler waiting as long as it likes (slowloris). The wait applies
to each piece of the body only; once the body is complete, ``receive`` is passed through untouched
because streaming responses wait on it for the client's disconnect.

On a timeout the 408 is sent from here and the app is told the client left: raising instead
would reach FastAPI's body parser, which turns any error into a vague 400.
"""

from __future__ import annotations

import asyncio

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import problem

log = structlog.get_logger("body_timeout")


class BodyReadTimeout:
    def __init__(self, app: ASGIApp, *, timeout_s: float) -> None:
        self.app = app
        self.timeout_s = timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = {"body_done": False, "started": False, "answered": False}

        async def guarded_send(message: Message) -> None:
            if state["answered"]:
                return  # the 408 went out already; the app's own answer to the "disconnect" is dropped
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        async def timed_receive() -> Message:
            if state["body_done"]:
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), self.timeout_s)
            except TimeoutError:
                state["body_done"] = True
                log.info("request_body_timeout", path=scope.get("path"), timeout_s=self.timeout_s)
                if not state["started"]:
                    response = problem(
                        408,
                        "Request body not received in time",
                        f"请求体在 {self.timeout_s:g} 秒内未到齐，请重新发送。"
                        f" The request body did not arrive within {self.timeout_s:g} seconds; send it again.",
                        slug="request-timeout",
                        instance=scope.get("path"),
                        headers={"Connection": "close"},
                    )
                    await response(scope, receive, send)
                    state["answered"] = True
                return {"type": "http.disconnect"}
            if message["type"] != "http.request" or not message.get("more_body", False):
                state["body_done"] = True
            return message

        await self.app(scope, timed_receive, guarded_send)

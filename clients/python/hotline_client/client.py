"""The sync and async clients: one `send` each, sharing request building and answer decoding.

with HotlineClient(url="http://127.0.0.1:8000", api_key="hk_...") as hc:
    accepted = hc.send(calls.create_case(body))
    for order in hc.iterate(calls.list_orders(status="dispatched")):
        ...
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, TypeVar, cast

import httpx
from pydantic import BaseModel
from tenacity import AsyncRetrying, Retrying

from . import retry
from .calls import Call, Page
from .config import ClientSettings, load_settings
from .errors import ConnectionFailed, ProblemError

T = TypeVar("T")
Item = TypeVar("Item", bound=BaseModel)

USER_AGENT = "hotline-client/0.1"


class _Base:
    def __init__(self, settings: ClientSettings | None = None, **given: Any) -> None:
        self.settings = settings or load_settings(**given)

    def _headers(self) -> dict[str, str]:
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        bearer = self.settings.bearer()
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        return headers

    def _client_kwargs(self) -> dict[str, Any]:
        return {"base_url": self.settings.url.rstrip("/"), "timeout": self.settings.timeout, "headers": self._headers()}

    @staticmethod
    def _request_kwargs(call: Call[Any]) -> dict[str, Any]:
        headers = {"Idempotency-Key": call.idempotency_key} if call.idempotency_key else {}
        return {"params": call.query(), "json": call.json(), "headers": headers}

    @staticmethod
    def _decode(call: Call[T], response: httpx.Response) -> T:
        if response.status_code >= 400:
            raise ProblemError.from_response(response)
        if call.answer is None:
            return cast(T, response.content)
        answer = cast(type[BaseModel], call.answer)
        return cast(T, answer.model_validate_json(response.content))

    def _retrying_kwargs(self) -> dict[str, Any]:
        return retry.policy(retries=self.settings.retries, backoff_max=self.settings.backoff_max)


def _gave_up(exc: httpx.TransportError, call: Call[Any], url: str) -> ConnectionFailed:
    reason = f"{type(exc).__name__}: {exc}"
    return ConnectionFailed(f"{call.method} {call.path}: the gateway at {url} did not answer ({reason})")


class HotlineClient(_Base):
    """Blocking client (scripts, the CLI). Every write carries an Idempotency-Key and is retried with it."""

    def __init__(
        self, settings: ClientSettings | None = None, *, transport: httpx.BaseTransport | None = None, **given: Any
    ) -> None:
        super().__init__(settings, **given)
        self._http = httpx.Client(transport=transport, **self._client_kwargs())

    def __enter__(self) -> HotlineClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def send(self, call: Call[T]) -> T:
        try:
            for attempt in Retrying(**self._retrying_kwargs()):
                with attempt:
                    response = self._http.request(call.method, call.path, **self._request_kwargs(call))
                    return self._decode(call, response)
        except httpx.TransportError as exc:
            raise _gave_up(exc, call, self.settings.url) from exc
        raise AssertionError("unreachable: tenacity either returns or re-raises")

    def iterate(self, call: Call[Page[Item]]) -> Iterator[Item]:
        """Every item of a list, page after page, following next_cursor."""
        page = self.send(call)
        while True:
            yield from page.items
            if not page.next_cursor:
                return
            page = self.send(call.with_params(cursor=page.next_cursor))


class AsyncHotlineClient(_Base):
    """asyncio client with the same calls and the same retry policy as HotlineClient."""

    def __init__(
        self, settings: ClientSettings | None = None, *, transport: httpx.AsyncBaseTransport | None = None, **given: Any
    ) -> None:
        super().__init__(settings, **given)
        self._http = httpx.AsyncClient(transport=transport, **self._client_kwargs())

    async def __aenter__(self) -> AsyncHotlineClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def send(self, call: Call[T]) -> T:
        try:
            async for attempt in AsyncRetrying(**self._retrying_kwargs()):
                with attempt:
                    response = await self._http.request(call.method, call.path, **self._request_kwargs(call))
                    return self._decode(call, response)
        except httpx.TransportError as exc:
            raise _gave_up(exc, call, self.settings.url) from exc
        raise AssertionError("unreachable: tenacity either returns or re-raises")

    async def iterate(self, call: Call[Page[Item]]) -> AsyncIterator[Item]:
        page = await self.send(call)
        while True:
            for item in page.items:
                yield item
            if not page.next_cursor:
                return
            page = await self.send(call.with_params(cursor=page.next_cursor))

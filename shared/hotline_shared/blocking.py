"""Run blocking work from synchronous code that may itself be called inside a running event loop
(an async test calling a sync fixture helper, Alembic's env.py calling asyncio.run)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def call_in_thread(fn: Callable[[], T]) -> T:
    """``fn()`` in a fresh thread (so it may start its own event loop); its exception is re-raised here."""
    result: list[T] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            result.append(fn())
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return result[0]


def run_blocking(coro: Coroutine[Any, Any, T]) -> T:
    """Like asyncio.run, but also works when the caller is already inside a running event loop."""
    return call_in_thread(lambda: asyncio.run(coro))

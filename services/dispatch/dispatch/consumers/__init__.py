"""Stream handlers: `async def handle(session, envelope)`; the EventConsumer owns transaction and inbox."""

from __future__ import annotations

from hotline_shared.events import Handler

from ..runtime import Runtime
from . import feedback, intake


def handlers(rt: Runtime) -> dict[str, Handler]:
    return {**intake.handlers(rt), **feedback.handlers(rt)}

"""What service functions need besides the session: settings, clock, outbox and the calendar.

The HTTP app and the worker each build one Runtime, so consumers and routes run the same code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Protocol

from fastapi import Depends, Request
from hotline_shared.clock import Clock
from hotline_shared.events import Outbox
from hotline_shared.storage import ObjectStore, make_store
from sqlalchemy.ext.asyncio import AsyncSession

from .config import DispatchSettings
from .orders.models import WorkOrder
from .outbox import make_outbox
from .workcalendar.provider import CalendarProvider


class OrderObserver(Protocol):
    """Called in the same transaction after every change to an order (every order event), e.g. by
    supervision to keep its timers and lights in step with the order."""

    async def __call__(self, session: AsyncSession, rt: Runtime, *, order: WorkOrder) -> None: ...


@dataclass(frozen=True)
class Runtime:
    settings: DispatchSettings
    clock: Clock
    outbox: Outbox
    calendars: CalendarProvider
    order_observers: tuple[OrderObserver, ...] = ()
    store: ObjectStore | None = None  # photos on replies; None where nothing stores photos


def make_runtime(settings: DispatchSettings, clock: Clock, *, observers: Sequence[OrderObserver] = ()) -> Runtime:
    return Runtime(
        settings=settings,
        clock=clock,
        outbox=make_outbox(clock),
        calendars=CalendarProvider(office_hours=settings.parsed_office_hours),
        order_observers=tuple(observers),
        store=make_store(settings.media),
    )


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]

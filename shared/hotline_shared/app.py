"""The one app factory every service uses: settings, db, redis, errors, observability, lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from sqlalchemy.ext.asyncio import AsyncSession

from .body_timeout import BodyReadTimeout
from .clock import Clock, SystemClock
from .db import Database
from .errors import install_error_handlers
from .input_guard import InputGuard
from .logging import configure_logging
from .observability import install_observability
from .openapi_errors import install_problem_openapi
from .redis_client import connect_redis
from .settings import ServiceSettings

Hook = Callable[[FastAPI], Awaitable[None]]


def make_clock(settings: ServiceSettings) -> Clock:
    return SystemClock(offset=timedelta(seconds=settings.clock_offset_seconds))


def create_service_app(
    *,
    settings: ServiceSettings,
    title: str,
    description: str,
    routers: Sequence[APIRouter],
    clock: Clock | None = None,
    on_startup: Sequence[Hook] = (),
    on_shutdown: Sequence[Hook] = (),
    openapi_tags: list[dict[str, Any]] | None = None,
) -> FastAPI:
    configure_logging(service=settings.service_name, json=settings.log_json, level=settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.db = Database.from_settings(settings)
        app.state.redis = connect_redis(settings, socket_timeout=5)
        try:
            for hook in on_startup:
                await hook(app)
            yield
        finally:
            for hook in on_shutdown:
                await hook(app)
            await app.state.redis.aclose()
            await app.state.db.dispose()

    app = FastAPI(title=title, description=description, version="1.0.0", lifespan=lifespan, openapi_tags=openapi_tags)
    app.state.settings = settings
    app.state.clock = clock or make_clock(settings)
    install_error_handlers(app)
    # Added first, so it sits inside the request-id middleware: a refusal still carries the id.
    app.add_middleware(InputGuard)
    app.add_middleware(BodyReadTimeout, timeout_s=settings.body_read_timeout_s)
    install_observability(app, settings.service_name)
    for router in routers:
        app.include_router(router)
    install_problem_openapi(app)
    return app


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    # scope="function" below: the commit happens before the response is sent, so a client that
    # was told "201 accepted" can rely on the record being durable.
    async with request.app.state.db.transaction() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(_session, scope="function")]


async def _read_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.db.reading() as session:
        yield session


# For the heavy list queries (supervision, the public board): the read replica when configured.
ReadSessionDep = Annotated[AsyncSession, Depends(_read_session, scope="function")]


def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


ClockDep = Annotated[Clock, Depends(get_clock)]

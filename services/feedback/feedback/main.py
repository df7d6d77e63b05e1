from __future__ import annotations

from fastapi import FastAPI
from hotline_shared.app import create_service_app, make_clock
from hotline_shared.calendar import WorkingCalendar
from hotline_shared.clock import Clock
from hotline_shared.storage import make_store

from .api import ROUTERS
from .config import FeedbackSettings
from .outbox import make_outbox
from .policy import make_policy
from .public.throttle import LookupThrottle


async def _attach_throttle(app: FastAPI) -> None:
    app.state.throttle = LookupThrottle(app.state.redis, app.state.settings)


def create_app(
    settings: FeedbackSettings | None = None, *, clock: Clock | None = None, calendar: WorkingCalendar | None = None
) -> FastAPI:
    settings = settings or FeedbackSettings()
    clock = clock or make_clock(settings)
    app = create_service_app(
        settings=settings,
        title="Hotline feedback (公示反馈)",
        description="Case tracking for citizens, the public board, callbacks and ratings, reports.",
        routers=ROUTERS,
        clock=clock,
        on_startup=[_attach_throttle],
        openapi_tags=[
            {"name": "public", "description": "Citizens and the public (role `public`)"},
            {"name": "callbacks", "description": "Operators' callbacks (回访)"},
            {"name": "cases", "description": "Staff view of a case's timeline"},
            {"name": "reports", "description": "Supervisors' figures and bulletins"},
            {"name": "pages", "description": "Server-rendered public pages"},
        ],
    )
    app.state.outbox = make_outbox(clock)
    app.state.policy = make_policy(settings, calendar)
    app.state.store = make_store(settings.media)
    return app

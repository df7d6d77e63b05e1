from __future__ import annotations

from fastapi import FastAPI
from hotline_shared.app import create_service_app, make_clock
from hotline_shared.clock import Clock

from .api import ROUTERS
from .config import DispatchSettings
from .runtime import make_runtime
from .supervision.hooks import order_changed as supervise_order

TAGS = [
    {"name": "orders", "description": "Work orders and the unit's workflow (签收 → 先行联系 → 办结)."},
    {"name": "extensions", "description": "延期: requests and supervisor decisions."},
    {"name": "pauses", "description": "挂起: requests, supervisor decisions, resume."},
    {"name": "dispatching", "description": "Manual dispatch and the operator's queue."},
    {"name": "calendar", "description": "The official working calendar and deadline computation."},
    {"name": "units", "description": "Handling units (承办单位)."},
    {"name": "routing-rules", "description": "topic + area → lead unit and co-units."},
    {"name": "policies", "description": "Time-limit policies per category, topic and urgency."},
    {"name": "evaluation", "description": "考评: points ledger (双十分制), lines, tiers, monthly red/black record."},
]


def create_app(settings: DispatchSettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    settings = settings or DispatchSettings()
    clock = clock or make_clock(settings)
    app = create_service_app(
        settings=settings,
        title="Hotline dispatch (限期办理)",
        description="Routes cases to handling units and runs their time-limited workflow on the official calendar.",
        routers=ROUTERS,
        clock=clock,
        openapi_tags=TAGS,
    )
    app.state.runtime = make_runtime(settings, clock, observers=[supervise_order])
    app.state.outbox = app.state.runtime.outbox
    return app

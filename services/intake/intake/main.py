from __future__ import annotations

from fastapi import FastAPI
from hotline_shared.app import create_service_app, make_clock
from hotline_shared.clock import Clock

from .api import ROUTERS
from .catalog.snapshot import CatalogCache
from .config import IntakeSettings
from .outbox import make_outbox
from .public.dependencies import install as install_public

TAGS = [
    {"name": "cases", "description": "Register, search and read cases (民情受理)"},
    {"name": "catalog", "description": "Topic catalogue and area tree"},
    {"name": "photos", "description": "Photos sent with cases (随手拍) and whether each may be shown publicly"},
    {"name": "public", "description": "Citizens file cases themselves (外网申请): SMS code, then the case"},
    {"name": "pages", "description": "The submission page (/submit)"},
]


def create_app(settings: IntakeSettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    settings = settings or IntakeSettings()
    clock = clock or make_clock(settings)
    app = create_service_app(
        settings=settings,
        title="Hotline intake (民情受理)",
        description="Registers citizen cases from every channel into one register: validation, case numbers, "
        "idempotent retries, duplicate linking, direct resolution, the topic catalogue and the area tree.",
        routers=ROUTERS,
        clock=clock,
        openapi_tags=TAGS,
    )
    app.state.outbox = make_outbox(clock)
    app.state.catalog = CatalogCache()
    install_public(app.state, settings)
    return app

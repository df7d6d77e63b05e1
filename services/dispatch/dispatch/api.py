"""Router registry: every router the dispatch app serves.

The calendar router comes first: its static paths (/calendar/deadline, /calendar/overrides) must
win over /calendar/{year}.
"""

from fastapi import APIRouter

from .dispatching.router import router as dispatching_router
from .evaluation.router import public_router as evaluation_public_router
from .evaluation.router import router as evaluation_router
from .extensions.router import router as extensions_router
from .orders.router import router as orders_router
from .pauses.router import router as pauses_router
from .policies.router import router as policies_router
from .routing.router import router as routing_router
from .supervision.router import router as supervision_router
from .units.router import router as units_router
from .workcalendar.router import router as calendar_router

ROUTERS: list[APIRouter] = [
    calendar_router,
    orders_router,
    extensions_router,
    pauses_router,
    dispatching_router,
    units_router,
    routing_router,
    policies_router,
    supervision_router,
    evaluation_router,
    evaluation_public_router,
]

"""Router registry: every router the feedback app serves."""

from fastapi import APIRouter

from .callbacks.router import router as callbacks_router
from .cases.router import router as cases_router
from .open311.router import router as open311_router
from .pages.router import router as pages_router
from .photos.router import router as photos_router
from .public.router import router as public_router
from .reports.router import router as reports_router

ROUTERS: list[APIRouter] = [
    public_router,
    photos_router,
    callbacks_router,
    cases_router,
    reports_router,
    pages_router,
    open311_router,
]

"""Router registry: every router the intake app serves."""

from fastapi import APIRouter

from .batch.router import router as batch_router
from .cases.router import router as cases_router
from .catalog.router import router as catalog_router
from .photos.router import router as photos_router
from .public.router import router as public_router
from .submit.router import router as submit_router

# The batch router comes first so POST /cases/batch is never read as a case number.
ROUTERS: list[APIRouter] = [
    batch_router,
    cases_router,
    catalog_router,
    photos_router,
    public_router,
    submit_router,
]

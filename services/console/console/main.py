"""The staff web console: server-rendered pages over the gateway's API (no database of its own)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from hotline_shared.app import make_clock
from hotline_shared.clock import Clock
from hotline_shared.logging import configure_logging
from hotline_shared.observability import RequestContextMiddleware
from redis.asyncio import Redis
from starlette.middleware.base import RequestResponseEndpoint

from .config import PACKAGE_DIR, ConsoleSettings
from .pages import auth, charts, operator, supervisor, unit
from .pages.render import PageError, error_page
from .pages.vendor import router as vendor_router

SECURITY_HEADERS = {
    # Pages, scripts and styles from here only: nothing from a CDN, no inline script.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def create_app(settings: ConsoleSettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    settings = settings or ConsoleSettings()
    configure_logging(service=settings.service_name, json=settings.log_json, level=settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.redis = Redis.from_url(settings.redis_url, socket_timeout=5, socket_connect_timeout=5)
        app.state.http = httpx.AsyncClient(
            base_url=settings.gateway_url,
            timeout=httpx.Timeout(settings.read_timeout_s, connect=5.0),
            follow_redirects=False,
            trust_env=False,
        )
        try:
            yield
        finally:
            await app.state.http.aclose()
            await app.state.redis.aclose()

    app = FastAPI(
        title="Hotline console (12345 控制台)", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None
    )
    app.state.settings = settings
    app.state.clock = clock or make_clock(settings)

    pages = APIRouter(prefix=settings.base_path)
    for module in (auth, supervisor, charts, unit, operator):
        pages.include_router(module.router)
    pages.include_router(vendor_router)
    app.include_router(pages)
    app.mount(f"{settings.base_path}/static", StaticFiles(directory=PACKAGE_DIR / "static"), name="static")

    @app.get(settings.base_path, include_in_schema=False)
    async def bare() -> Response:
        return RedirectResponse(f"{settings.base_path}/", status_code=307)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz(request: Request) -> JSONResponse:
        try:
            await request.app.state.redis.ping()
        except Exception as exc:
            return JSONResponse({"status": "unavailable", "checks": {"redis": type(exc).__name__}}, status_code=503)
        return JSONResponse({"status": "ok", "checks": {"redis": "ok"}})

    @app.exception_handler(PageError)
    async def refused(request: Request, exc: PageError) -> Response:
        return error_page(request, exc)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: RequestResponseEndpoint) -> Response:
        response: Response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            if name == "Cache-Control" and request.url.path.startswith(f"{settings.base_path}/static"):
                continue
            response.headers.setdefault(name, value)
        return response

    app.add_middleware(RequestContextMiddleware, service=settings.service_name)
    return app

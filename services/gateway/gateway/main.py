from __future__ import annotations

from collections.abc import Mapping

import httpx
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from hotline_shared.app import create_service_app, make_clock
from hotline_shared.clock import Clock
from starlette.middleware import Middleware

from .access.middleware import AccessControl
from .api import ROUTERS
from .config import GatewaySettings
from .oidc.jwks import JwksCache
from .open311.guard import Open311InputGuard
from .openapi.fetch import OpenApiCache
from .proxy.client import make_client
from .ratelimit.limiter import RateLimiter
from .routing.matcher import RouteMatcher
from .security_headers import SecurityHeaders

# FastAPI's built-in docs describe only the gateway's own routes; ours serve the merged API.
_BUILTIN_DOCS = frozenset({"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"})


def create_app(
    settings: GatewaySettings | None = None,
    *,
    clock: Clock | None = None,
    transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
) -> FastAPI:
    """`transports` lets tests put in-process services behind the gateway; production never passes it."""
    settings = settings or GatewaySettings()
    clock = clock or make_clock(settings)

    async def start(app: FastAPI) -> None:
        app.state.http = make_client(settings, transports)
        app.state.rate_limiter = RateLimiter(app.state.redis)
        app.state.oidc = None
        if settings.oidc is not None:
            timeout = httpx.Timeout(settings.read_timeout_s, connect=settings.connect_timeout_s)
            app.state.oidc = JwksCache(settings.oidc, httpx.AsyncClient(timeout=timeout, follow_redirects=False))
        app.state.openapi_cache = OpenApiCache(
            client=app.state.http, urls=settings.service_urls(), ttl_s=settings.openapi_cache_s
        )

    async def stop(app: FastAPI) -> None:
        await app.state.http.aclose()
        if app.state.oidc is not None:
            await app.state.oidc.http.aclose()

    app = create_service_app(
        settings=settings,
        title="Hotline gateway (12345 API)",
        description="One entry point for every client: API keys, roles, rate limits, audit, and the merged API.",
        routers=[],
        clock=clock,
        on_startup=[start],
        on_shutdown=[stop],
    )
    app.router.routes[:] = [r for r in app.router.routes if getattr(r, "path", None) not in _BUILTIN_DOCS]
    for router in ROUTERS:
        app.include_router(router)
    app.state.route_matcher = RouteMatcher()
    # Innermost (after the request-id middleware, so the id is known): the access check.
    app.user_middleware.append(Middleware(AccessControl, settings=settings))
    app.add_middleware(Open311InputGuard)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "X-Request-ID"],
        expose_headers=["X-Request-ID", "Retry-After", "Location"],
        max_age=600,
    )
    app.add_middleware(SecurityHeaders, csp=settings.content_security_policy, hsts_seconds=settings.hsts_seconds)
    return app

"""Router registry: the gateway's own routes first, then the catch-all proxy (order matters)."""

from fastapi import APIRouter

from .apikeys.router import router as apikeys_router
from .audit.router import router as audit_router
from .open311.router import router as open311_router
from .openapi.router import router as openapi_router
from .proxy.router import router as proxy_router
from .whoami.router import router as whoami_router

ROUTERS: list[APIRouter] = [whoami_router, apikeys_router, audit_router, open311_router, openapi_router, proxy_router]

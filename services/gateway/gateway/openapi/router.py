"""The merged API description at /openapi.json and Swagger UI at /docs."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from .merge import merge

router = APIRouter(include_in_schema=False)

# Swagger UI loads its script and styles from a CDN and starts with an inline script.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com; "
    "frame-ancestors 'none'"
)


@router.get("/openapi.json")
async def openapi(request: Request) -> JSONResponse:
    app = request.app
    documents = await app.state.openapi_cache.documents()
    return JSONResponse(merge(app.openapi(), documents, app.state.route_matcher))


@router.get("/docs")
async def docs() -> HTMLResponse:
    page = get_swagger_ui_html(openapi_url="/openapi.json", title="12345 hotline API")
    page.headers["Content-Security-Policy"] = DOCS_CSP
    return page

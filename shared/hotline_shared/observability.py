"""Request ids, access metrics, /healthz, /readyz and /metrics for every service."""

from __future__ import annotations

import time
import uuid

import structlog
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import func, select
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from .events.relay import recovery_key
from .events.streams import dlq_stream

REQUEST_ID_HEADER = "X-Request-ID"

HTTP_REQUESTS = Counter("hotline_http_requests_total", "HTTP requests", ["service", "method", "route", "status"])
HTTP_LATENCY = Histogram("hotline_http_request_seconds", "HTTP latency", ["service", "method", "route"])

# Read at scrape time, so an alert on a stuck relay or a growing dead-letter stream needs no extra job.
OUTBOX_UNPUBLISHED = Gauge("hotline_outbox_unpublished", "Outbox rows not yet published to Redis", ["service"])
OUTBOX_OLDEST_AGE = Gauge(
    "hotline_outbox_oldest_unpublished_seconds", "Age of the oldest unpublished outbox row (0 when none)", ["service"]
)
STREAM_LOSS_DETECTIONS = Gauge(
    "hotline_stream_data_loss_detections",
    "Times the relay found Redis had lost this service's published events (since Redis last lost this record)",
    ["service"],
)
STREAM_LOSS_LAST = Gauge(
    "hotline_stream_data_loss_last_timestamp_seconds",
    "When the relay last found Redis had lost published events (alert on any change)",
    ["service"],
)
STREAM_LOSS_REPUBLISHED = Gauge(
    "hotline_stream_data_loss_republished", "Outbox rows re-published at the last detected loss", ["service"]
)
DLQ_LENGTH = Gauge("hotline_dlq_length", "Messages parked in the service's dead-letter stream", ["service", "stream"])

log = structlog.get_logger("http")


def _route_template(request: Request) -> str:
    route = request.scope.get("route")
    return getattr(route, "path", "unmatched")


class RequestContextMiddleware(BaseHTTPMiddleware):
    """Binds a request id (from the gateway or fresh) to every log line and echoes it back."""

    def __init__(self, app: object, service: str) -> None:
        super().__init__(app)  # type: ignore[arg-type]
        self.service = service

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if 8 <= len(incoming) <= 64 and incoming.isascii() else uuid.uuid4().hex
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        try:
            response = await call_next(request)
        finally:
            structlog.contextvars.unbind_contextvars("request_id")
        elapsed = time.perf_counter() - started
        route = _route_template(request)
        HTTP_REQUESTS.labels(self.service, request.method, route, str(response.status_code)).inc()
        HTTP_LATENCY.labels(self.service, request.method, route).observe(elapsed)
        response.headers[REQUEST_ID_HEADER] = request_id
        return response


def health_router() -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz", summary="Liveness: the process answers")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz", summary="Readiness: database and Redis reachable", response_model=None)
    async def readyz(request: Request) -> JSONResponse:
        checks: dict[str, str] = {}
        state = request.app.state
        try:
            await state.db.ping()
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"error: {type(exc).__name__}"
        try:
            await state.redis.ping()
            checks["redis"] = "ok"
        except Exception as exc:
            checks["redis"] = f"error: {type(exc).__name__}"
        ok = all(v == "ok" for v in checks.values())
        return JSONResponse({"status": "ok" if ok else "unavailable", "checks": checks}, status_code=200 if ok else 503)

    @router.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        await _measure_pipeline(request.app)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


async def _measure_pipeline(app: FastAPI) -> None:
    """Outbox backlog and dead letters of this service; a part that cannot be read is left out, not faked."""
    state = app.state
    service = state.settings.service_name
    outbox = getattr(state, "outbox", None)
    if outbox is not None:
        table = outbox.tables.outbox
        try:
            async with state.db.transaction() as session:
                pending, oldest = (
                    await session.execute(
                        select(func.count(), func.min(table.c.created_at)).where(table.c.published_at.is_(None))
                    )
                ).one()
            OUTBOX_UNPUBLISHED.labels(service).set(pending)
            age = (state.clock.now() - oldest).total_seconds() if oldest is not None else 0.0
            OUTBOX_OLDEST_AGE.labels(service).set(max(age, 0.0))
        except Exception as exc:
            log.warning("metrics_outbox_unreadable", error=type(exc).__name__)
    try:
        recovery = await state.redis.hgetall(recovery_key(service))
        if recovery:
            STREAM_LOSS_DETECTIONS.labels(service).set(float(recovery.get(b"detections", 0)))
            STREAM_LOSS_LAST.labels(service).set(float(recovery.get(b"last_detected_at", 0)))
            STREAM_LOSS_REPUBLISHED.labels(service).set(float(recovery.get(b"last_republished", 0)))
    except Exception as exc:
        log.warning("metrics_stream_recovery_unreadable", error=type(exc).__name__)
    stream = dlq_stream(service)
    try:
        DLQ_LENGTH.labels(service, stream).set(await state.redis.xlen(stream))
    except Exception as exc:
        log.warning("metrics_dlq_unreadable", error=type(exc).__name__)


def install_observability(app: FastAPI, service: str) -> None:
    app.add_middleware(RequestContextMiddleware, service=service)
    app.include_router(health_router())

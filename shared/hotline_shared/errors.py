"""Problem+json (RFC 9457) errors: a small hierarchy, mapped to responses in one place."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://hotline.example.gov.cn/problems/"

log = structlog.get_logger("errors")


class AppError(Exception):
    status: int = 400
    title: str = "Bad request"
    slug: str = "bad-request"

    def __init__(
        self,
        detail: str,
        *,
        errors: Sequence[dict[str, Any]] | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors or [])
        self.extra = dict(extra or {})
        self.headers = dict(headers or {})


class BadRequest(AppError):
    pass


class ValidationFailed(AppError):
    status, title, slug = 422, "The request has invalid fields", "validation"


class Unauthorized(AppError):
    status, title, slug = 401, "Authentication required", "unauthorized"


class Forbidden(AppError):
    status, title, slug = 403, "Not allowed", "forbidden"


class NotFound(AppError):
    status, title, slug = 404, "Not found", "not-found"


class Conflict(AppError):
    status, title, slug = 409, "Conflict with the current state", "conflict"


class PayloadTooLarge(AppError):
    status, title, slug = 413, "Request body too large", "payload-too-large"


class TooManyRequests(AppError):
    status, title, slug = 429, "Too many requests", "rate-limited"


class ServiceUnavailable(AppError):
    status, title, slug = 503, "Service unavailable", "unavailable"


class GatewayTimeout(AppError):
    status, title, slug = 504, "Upstream service timed out", "timeout"


def field_error(loc: Sequence[str | int], message: str, code: str = "invalid") -> dict[str, Any]:
    """One entry of `errors[]`: a JSON-pointer-ish field path plus a message an operator can act on."""
    return {"field": ".".join(str(p) for p in loc), "message": message, "code": code}


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    slug: str,
    instance: str | None = None,
    errors: Sequence[dict[str, Any]] | None = None,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"type": TYPE_BASE + slug, "title": title, "status": status, "detail": detail}
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = list(errors)
    if extra:
        body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


_STATUS_TITLES = {
    400: ("Bad request", "bad-request"),
    401: ("Authentication required", "unauthorized"),
    403: ("Not allowed", "forbidden"),
    404: ("Not found", "not-found"),
    405: ("Method not allowed", "method-not-allowed"),
    406: ("Not acceptable", "not-acceptable"),
    409: ("Conflict with the current state", "conflict"),
    413: ("Request body too large", "payload-too-large"),
    415: ("Unsupported media type", "unsupported-media-type"),
    422: ("The request has invalid fields", "validation"),
    429: ("Too many requests", "rate-limited"),
}


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        if err.get("type") == "json_invalid":
            # pydantic places a syntax error at a character offset ("body.14"); name the body and say why.
            reason = (err.get("ctx") or {}).get("error", "JSON decode error")
            at = f" at character {loc[1]}" if len(loc) > 1 else ""
            out.append(field_error(["body"], f"The body is not valid JSON{at}: {reason}.", "json_invalid"))
            continue
        out.append(field_error(loc, str(err.get("msg", "invalid value")), str(err.get("type", "invalid"))))
    return out


def data_exception_state(exc: DBAPIError) -> str | None:
    """The SQLSTATE of a "data exception" (class 22) from asyncpg or psycopg, else None.

    asyncpg refuses some values before sending them (an int beyond the column's range); that
    client-side DataError carries no SQLSTATE and counts as the generic 22000.
    """
    seen: BaseException | None = exc.orig
    while seen is not None:
        state = getattr(seen, "sqlstate", None) or getattr(seen, "pgcode", None)
        if isinstance(state, str):
            return state if state.startswith("22") else None
        if type(seen).__module__.startswith("asyncpg") and type(seen).__name__ == "DataError":
            return "22000"
        seen = seen.__cause__
    return None


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> JSONResponse:
        return problem(
            exc.status,
            exc.title,
            exc.detail,
            slug=exc.slug,
            instance=request.url.path,
            errors=exc.errors,
            extra=exc.extra,
            headers=exc.headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _validation_errors(exc)
        fields = ", ".join(e["field"] for e in errors[:5])
        return problem(
            422,
            "The request has invalid fields",
            f"Please correct these fields and send again: {fields}",
            slug="validation",
            instance=request.url.path,
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        title, slug = _STATUS_TITLES.get(exc.status_code, ("Error", "error"))
        detail = exc.detail if isinstance(exc.detail, str) else title
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"No such resource: {request.url.path}"
        return problem(
            exc.status_code,
            title,
            detail,
            slug=slug,
            instance=request.url.path,
            headers=dict(exc.headers or {}),
        )

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> JSONResponse:
        state = data_exception_state(exc)
        if state is None:
            return await _unexpected(request, exc)
        # SQLSTATE class 22 is the database refusing a value (too long, out of range, bad
        # encoding) that validation let through. The transaction was rolled back, so the caller
        # can fix and resend; the warning is how such a gap in validation gets noticed and closed.
        log.warning("database_refused_value", path=request.url.path, sqlstate=state)
        return problem(
            422,
            "The request has invalid fields",
            "A value in the request cannot be stored (too long, out of range or not valid text); "
            "nothing was saved. Please check the values and send again.",
            slug="validation",
            instance=request.url.path,
            extra={"sqlstate": state},
        )

    @app.exception_handler(UnicodeEncodeError)
    async def _surrogate(request: Request, exc: UnicodeEncodeError) -> JSONResponse:
        if exc.reason != "surrogates not allowed":
            return await _unexpected(request, exc)
        # JSON may carry "\ud800" alone; it decodes to a str no driver can encode. The route did
        # not validate that field, so the caller learns it here, with nothing saved.
        log.warning("unencodable_text", path=request.url.path)
        return problem(
            422,
            "The request has invalid fields",
            "The request contains text with a lone UTF-16 surrogate (\\ud800-\\udfff), which is not valid "
            "Unicode; nothing was saved. Please send proper UTF-8 text.",
            slug="validation",
            instance=request.url.path,
        )

    @app.exception_handler(ClientDisconnect)
    async def _gone(request: Request, exc: ClientDisconnect) -> JSONResponse:
        # The caller hung up mid-body: nothing of ours broke and nobody reads the answer.
        log.info("client_disconnected", path=request.url.path)
        return problem(400, "Bad request", "The client closed the connection before the body arrived.",
                       slug="client-disconnected", instance=request.url.path)  # fmt: skip

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled_error", path=request.url.path, error_type=type(exc).__name__)
        return problem(
            500,
            "Internal error",
            "Something went wrong on our side; the request was not applied. Please retry later.",
            slug="internal",
            instance=request.url.path,
        )

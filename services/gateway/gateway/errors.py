"""Gateway-specific problems, on top of the shared hierarchy (mapped to problem+json the same way)."""

from __future__ import annotations

from hotline_shared.errors import AppError


class MethodNotAllowed(AppError):
    status, title, slug = 405, "Method not allowed", "method-not-allowed"


class BadGateway(AppError):
    status, title, slug = 502, "Bad answer from an upstream service", "bad-gateway"

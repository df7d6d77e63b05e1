"""Templates, their filters, and the page shown when something is refused."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from hotline_shared.clock import to_shanghai

from .. import labels
from ..config import PACKAGE_DIR

templates = Jinja2Templates(directory=str(PACKAGE_DIR / "templates"))


def _when(value: str | datetime | None) -> str:
    if not value:
        return "—"
    at = datetime.fromisoformat(value) if isinstance(value, str) else value
    return to_shanghai(at).strftime("%Y-%m-%d %H:%M")


def _span(hours: float | None) -> str:
    """Clock hours as 2天3小时 / 5小时12分 / 40分钟: what a supervisor reads at a glance."""
    if hours is None:
        return "—"
    minutes = round(abs(hours) * 60)
    days, rest = divmod(minutes, 24 * 60)
    h, m = divmod(rest, 60)
    if days:
        return f"{days}天{h}小时"
    if h:
        return f"{h}小时{m}分"
    return f"{m}分钟"


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


for name, table in {
    "role": labels.ROLE, "status": labels.STATUS, "category": labels.CATEGORY, "urgency": labels.URGENCY,
    "light": labels.LIGHT, "deadline": labels.DEADLINE, "urge": labels.URGE, "action": labels.ACTION,
    "satisfaction": labels.SATISFACTION,
}.items():  # fmt: skip
    templates.env.filters[name] = lambda code, _t=table: labels.word(_t, code)
templates.env.filters["when"] = _when
templates.env.filters["span"] = _span
templates.env.filters["pct"] = _pct


def render(request: Request, name: str, context: dict[str, Any], *, status: int = 200) -> HTMLResponse:
    settings = request.app.state.settings
    base = {"base": settings.base_path, "me": getattr(request.state, "console_session", None)}
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status)


class PageError(Exception):
    """Refuse with a page a person can read: what happened and what to do next."""

    def __init__(self, status: int, title: str, message: str, *, sign_in: bool = False, clear_cookie: bool = False):
        super().__init__(message)
        self.status = status
        self.title = title
        self.message = message
        self.sign_in = sign_in
        self.clear_cookie = clear_cookie


def error_page(request: Request, exc: PageError) -> HTMLResponse:
    response = render(
        request,
        "error.html",
        {"title": exc.title, "message": exc.message, "sign_in": exc.sign_in, "status": exc.status},
        status=exc.status,
    )
    if exc.clear_cookie:
        settings = request.app.state.settings
        response.delete_cookie(SESSION_COOKIE, path=settings.base_path)
    return response


SESSION_COOKIE = "hotline_console"

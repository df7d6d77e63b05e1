"""Sign-in with an API key (exchanged for a session cookie), sign-out, and the landing page by role."""

from __future__ import annotations

import hmac
import secrets
import time

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from hotline_shared.identity import Role

from ..gateway_api import ApiError, GatewayApi
from ..sessions import service as sessions
from ..sessions.cookies import CookieState, sign, verify
from .deps import FormDep, SessionDep, forwarded_for, read_form
from .render import SESSION_COOKIE, render

router = APIRouter()

LOGIN_COOKIE = "hotline_console_login"
LOGIN_PURPOSE = "console-login"
LOGIN_FORM_TTL_S = 1800
HOME = {Role.supervisor: "/board", Role.admin: "/board", Role.unit: "/inbox", Role.operator: "/callbacks"}


def _login_page(
    request: Request, *, status: int = 200, error: str | None = None, notice: str | None = None
) -> Response:
    """The sign-in form with a fresh token, bound to a signed cookie (login CSRF: double submit)."""
    settings = request.app.state.settings
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", {"csrf_token": token, "error": error, "notice": notice}, status=status)
    response.set_cookie(
        LOGIN_COOKIE,
        sign(settings.session_secret, LOGIN_PURPOSE, token, expires_at=time.time() + LOGIN_FORM_TTL_S),
        max_age=LOGIN_FORM_TTL_S,
        path=settings.base_path,
        httponly=True,
        secure=settings.cookie_secure,
        samesite="strict",
    )
    return response


@router.get("/login", response_class=HTMLResponse, summary="Sign-in page")
async def login_form(request: Request, signed_out: bool = False) -> Response:
    return _login_page(request, notice="您已安全退出。" if signed_out else None)


@router.post("/login", response_class=HTMLResponse, summary="Sign in with an API key")
async def login(request: Request) -> Response:
    settings = request.app.state.settings
    form = await read_form(request)
    state, expected = verify(settings.session_secret, LOGIN_PURPOSE, request.cookies.get(LOGIN_COOKIE), now=time.time())
    token = form.get("csrf_token", "")
    if state is not CookieState.valid or expected is None or not hmac.compare_digest(token.encode(), expected.encode()):
        return _login_page(
            request, status=403, error="登录表单已失效或来源不明（安全校验未通过），请重新输入密钥登录。"
        )
    api_key = form.get("api_key", "").strip()
    if not api_key:
        return _login_page(request, status=422, error="请输入 API 密钥。")
    api = GatewayApi(request.app.state.http, api_key=api_key, forwarded_for=forwarded_for(request))
    try:
        session, cookie = await sessions.sign_in(
            redis=request.app.state.redis,
            api=api,
            api_key=api_key,
            secret=settings.session_secret,
            ttl_s=settings.session_ttl_s,
        )
    except ApiError as exc:
        message = "密钥无效、已过期或已停用，请检查后重试。" if exc.status in (401, 403) else exc.detail
        return _login_page(request, status=exc.status if exc.status < 500 else 503, error=message)
    response = RedirectResponse(f"{settings.base_path}{HOME.get(session.role, '/')}", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=settings.session_ttl_s,
        path=settings.base_path,
        httponly=True,
        secure=settings.cookie_secure,
        samesite="strict",
    )
    response.delete_cookie(LOGIN_COOKIE, path=settings.base_path)
    return response


@router.post("/logout", summary="Sign out")
async def logout(request: Request, session: SessionDep, form: FormDep) -> Response:
    settings = request.app.state.settings
    await sessions.sign_out(redis=request.app.state.redis, session_id=session.session_id)
    response = RedirectResponse(f"{settings.base_path}/login?signed_out=true", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path=settings.base_path)
    return response


@router.get("/", response_class=HTMLResponse, summary="Landing page: the signed-in person's own queue")
async def home(request: Request) -> Response:
    settings = request.app.state.settings
    _, session = await sessions.resolve(
        redis=request.app.state.redis, secret=settings.session_secret, cookie=request.cookies.get(SESSION_COOKIE)
    )
    if session is None:
        return RedirectResponse(f"{settings.base_path}/login", status_code=303)
    if session.role in HOME:
        return RedirectResponse(f"{settings.base_path}{HOME[session.role]}", status_code=303)
    request.state.console_session = session
    return render(request, "home.html", {})

"""What every page needs: the signed-in session, a CSRF-checked form, and an API client for the person."""

from __future__ import annotations

import hmac
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import Depends, Request
from hotline_shared.identity import Role

from ..gateway_api import ApiError, GatewayApi
from ..sessions import service as sessions
from ..sessions.cookies import CookieState
from ..sessions.schemas import ConsoleSession
from .render import SESSION_COOKIE, PageError

MAX_FORM_BYTES = 16_384

_REFUSED = {
    CookieState.missing: (401, "请先登录", "请使用您的 API 密钥登录控制台。"),
    CookieState.expired: (401, "登录已过期", "您的登录已过期或已退出，请重新登录。"),
    CookieState.tampered: (401, "登录信息无效", "浏览器送来的登录信息无法验证（可能被篡改），已清除，请重新登录。"),
}


async def current_session(request: Request) -> ConsoleSession:
    settings = request.app.state.settings
    state, session = await sessions.resolve(
        redis=request.app.state.redis, secret=settings.session_secret, cookie=request.cookies.get(SESSION_COOKIE)
    )
    if session is None:
        status, title, message = _REFUSED.get(state, _REFUSED[CookieState.missing])
        raise PageError(status, title, message, sign_in=True, clear_cookie=state is not CookieState.missing)
    request.state.console_session = session
    return session


SessionDep = Annotated[ConsoleSession, Depends(current_session)]


def role_page(*roles: Role) -> Any:
    """A page for these roles only; anyone else gets a 403 page (the gateway would refuse the data too)."""
    allowed = frozenset(roles) | {Role.admin}

    async def check(session: SessionDep) -> ConsoleSession:
        if session.role not in allowed:
            names = "、".join(_ROLE_NAMES[r] for r in sorted(allowed, key=lambda r: r.value))
            raise PageError(403, "无权访问", f"此页面仅供{names}使用。")
        return session

    return Depends(check)


_ROLE_NAMES = {
    Role.operator: "话务员", Role.station: "社区服务站", Role.unit: "承办单位", Role.supervisor: "督办员",
    Role.admin: "管理员", Role.public: "公众",
}  # fmt: skip


def forwarded_for(request: Request) -> str | None:
    # The gateway put the browser's address there; pass it on so limits count the person, not the console.
    return request.headers.get("x-forwarded-for") or (request.client.host if request.client else None)


def api_for(request: Request, session: ConsoleSession) -> GatewayApi:
    return GatewayApi(request.app.state.http, api_key=session.api_key, forwarded_for=forwarded_for(request))


async def read_form(request: Request) -> dict[str, str]:
    """An urlencoded form, bounded in size (no multipart: the console uploads nothing)."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise PageError(413, "提交内容过长", "表单内容过长，请精简后再提交。")
    try:
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError as exc:
        raise PageError(400, "无法识别的表单", "表单编码无法识别，请在页面上重新填写提交。") from exc


async def checked_form(request: Request, session: SessionDep) -> dict[str, str]:
    """The form of a signed-in person, refused before anything is done unless it carries their CSRF token."""
    form = await read_form(request)
    token = form.pop("csrf_token", "")
    if not token or not hmac.compare_digest(token.encode(), session.csrf_token.encode()):
        raise PageError(
            403,
            "安全校验未通过",
            "表单缺少有效的安全令牌（可能来自其他网站或页面已过期），未做任何更改。请返回页面刷新后重新提交。",
        )
    return form


FormDep = Annotated[dict[str, str], Depends(checked_form)]


def api_refusal(exc: ApiError) -> PageError:
    """A read the gateway refused, as a page with the same status (404 stays 404, 403 stays 403)."""
    titles = {401: "登录已失效", 403: "无权访问", 404: "未找到", 429: "请求过于频繁", 503: "服务暂不可用"}
    title = titles.get(exc.status, "请求未完成")
    message = {404: "没有找到该记录，或您无权查看。", 403: "您的账号无权查看此内容。"}.get(exc.status, exc.detail)
    return PageError(exc.status if exc.status >= 400 else 502, title, message, sign_in=exc.status == 401)

"""One-time SMS codes for the public channels: issued, limited per phone and per address, used once.

Failed guesses are counted in Redis, outside the request's transaction, so a refused submission
(which rolls back everything it wrote) still counts against the guesser.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from datetime import timedelta

from hotline_shared.clock import Clock
from hotline_shared.errors import ServiceUnavailable, TooManyRequests, ValidationFailed, field_error
from hotline_shared.privacy import mask_phone, normalize_phone
from hotline_shared.sms import SmsSender
from hotline_shared.throttle import Limit, WindowThrottle
from sqlalchemy.ext.asyncio import AsyncSession

from ..config import IntakeSettings
from . import repository
from .models import PhoneCode
from .schemas import CodeSent

CODE_DIGITS = 6


def mobile_or_refuse(raw: str, *, field: Sequence[str | int]) -> str:
    try:
        phone = normalize_phone(raw)
    except ValueError as exc:
        raise ValidationFailed(f"手机号有误：{exc}", errors=[field_error(field, str(exc), "invalid_phone")]) from exc
    if len(phone) != 11 or not phone.startswith("1"):
        message = "请填写可以接收短信的11位手机号 / give a mobile number that can receive text messages"
        raise ValidationFailed(message, errors=[field_error(field, message, "not_mobile")])
    return phone


def _hash(settings: IntakeSettings, phone: str, code: str) -> str:
    return hmac.new(settings.identity_secret.encode(), f"{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def _limits(settings: IntakeSettings) -> tuple[Limit, Limit, Limit]:
    return (
        Limit("code-resend", 1, settings.code_resend_s),
        Limit("code-phone", settings.code_per_phone_per_hour, 3600),
        Limit("code-ip", settings.code_per_ip_per_hour, 3600),
    )


def _too_many(wait: int, what: str) -> TooManyRequests:
    return TooManyRequests(
        f"{what}，请 {wait} 秒后再试。",
        headers={"Retry-After": str(wait)},
        extra={"retry_after": wait},
    )


async def send_code(
    session: AsyncSession,
    *,
    phone: str,
    client_ip: str | None,
    settings: IntakeSettings,
    clock: Clock,
    sender: SmsSender,
    throttle: WindowThrottle,
) -> CodeSent:
    resend, per_phone, per_ip = _limits(settings)
    checks = [(resend, phone), (per_phone, phone), (per_ip, client_ip or "unknown")]
    wait = await throttle.blocked_for(checks)
    if wait:
        raise _too_many(wait, "获取验证码过于频繁")
    now = clock.now()
    code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
    await repository.retire_unused(session, phone=phone, now=now)
    await repository.add(
        session,
        PhoneCode(
            phone=phone,
            code_hash=_hash(settings, phone, code),
            created_at=now,
            expires_at=now + timedelta(seconds=settings.code_ttl_s),
        ),
    )
    minutes = max(settings.code_ttl_s // 60, 1)
    text = f"【12345热线】您的验证码为{code}，{minutes}分钟内有效，仅可使用一次。如非本人操作，请忽略本短信。"
    try:
        await sender.send_sms(phone=phone, text=text)
    except Exception as exc:  # any gateway failure: the citizen must hear it, and the code is void
        raise ServiceUnavailable("短信发送失败，请稍后再试。", headers={"Retry-After": "30"}) from exc
    await throttle.count(checks)
    return CodeSent(
        phone_masked=mask_phone(phone) or "",
        expires_in_s=settings.code_ttl_s,
        resend_after_s=settings.code_resend_s,
    )


async def use_code(
    session: AsyncSession,
    *,
    phone: str,
    code: str,
    settings: IntakeSettings,
    clock: Clock,
    throttle: WindowThrottle,
    field: Sequence[str | int],
) -> None:
    """Accept the code once, or refuse with a reason the citizen can act on (422 naming the field)."""
    failures = Limit("code-failures", settings.code_max_failures, max(settings.code_ttl_s, 900))

    def refuse(message: str, kind: str) -> ValidationFailed:
        return ValidationFailed(message, errors=[field_error(field, message, kind)])

    if await throttle.blocked_for([(failures, phone)]):
        raise refuse("验证码输错次数过多，请稍后重新获取验证码。", "code_locked")
    now = clock.now()
    latest = await repository.latest(session, phone=phone)
    given = code.strip()
    if latest is None:
        raise refuse("请先获取短信验证码。", "code_missing")
    if not hmac.compare_digest(latest.code_hash, _hash(settings, phone, given)):
        await throttle.count([(failures, phone)])
        raise refuse("验证码不正确，请核对短信中的6位数字。", "code_wrong")
    if latest.used_at is not None:
        raise refuse("该验证码已经使用过，请重新获取。", "code_used")
    if latest.expires_at <= now:
        raise refuse("验证码已过期，请重新获取。", "code_expired")
    if not await repository.use(session, code_id=latest.id, now=now):
        raise refuse("该验证码已经使用过，请重新获取。", "code_used")

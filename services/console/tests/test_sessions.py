"""Sessions on a real Valkey: what the store holds, and how a cookie is judged (no browser needed)."""

from __future__ import annotations

import json
import time

from console.gateway_api import ApiError
from console.sessions import repository
from console.sessions import service as sessions
from console.sessions.cookies import CookieState, sign, verify
from console.sessions.schemas import ConsoleSession
from redis.asyncio import Redis

SECRET = "s" * 40
KEY = "hk_demo_unit_dSQvl9nolQpJGDQfA5MgVfkl"


def test_a_cookie_is_valid_expired_tampered_or_missing() -> None:
    now = time.time()
    cookie = sign(SECRET, "console-session", "abc", expires_at=now + 60)
    assert verify(SECRET, "console-session", cookie, now=now) == (CookieState.valid, "abc")
    assert verify(SECRET, "console-session", cookie, now=now + 61) == (CookieState.expired, None)
    # Changing the value, the expiry, the purpose or the secret is tampering, not expiry.
    value, expiry, mac = cookie.split(".")
    assert verify(SECRET, "console-session", f"abd.{expiry}.{mac}", now=now)[0] is CookieState.tampered
    assert verify(SECRET, "console-session", f"{value}.{int(expiry) + 3600}.{mac}", now=now)[0] is CookieState.tampered
    assert verify(SECRET, "console-login", cookie, now=now)[0] is CookieState.tampered
    assert verify("t" * 40, "console-session", cookie, now=now)[0] is CookieState.tampered
    assert verify(SECRET, "console-session", "garbage", now=now)[0] is CookieState.tampered
    assert verify(SECRET, "console-session", None, now=now)[0] is CookieState.missing


async def test_a_session_keeps_the_key_encrypted_and_ends_at_sign_out(redis_url: str) -> None:
    redis = Redis.from_url(redis_url)
    try:
        # What sign-in stores once the gateway's /api/v1/me vouched for the key (the browser test signs in).
        data = {"session_id": "sid-1", "subject": "城管执法局 (U-CG-001)", "role": "unit", "unit_id": "U-CG-001",
                "csrf_token": "tok", "expires_at": time.time() + 600}  # fmt: skip
        await repository.save(redis, secret=SECRET, session_id="sid-1", data=data, api_key=KEY, ttl_s=600)
        cookie = sign(SECRET, sessions.COOKIE_PURPOSE, "sid-1", expires_at=data["expires_at"])
        session = ConsoleSession.model_validate({**data, "api_key": KEY})
        assert KEY not in repr(session)
        assert KEY not in str(session)
        # A dump of the store does not give the key away, and the entry dies with its TTL.
        raw = await redis.get(repository.PREFIX + session.session_id)
        assert KEY not in raw.decode()
        assert json.loads(raw)["role"] == "unit"
        assert 590 <= await redis.ttl(repository.PREFIX + session.session_id) <= 600

        state, again = await sessions.resolve(redis=redis, secret=SECRET, cookie=cookie)
        assert state is CookieState.valid
        assert again is not None
        assert again.api_key == KEY
        assert again.csrf_token == session.csrf_token

        # Another deployment's secret cannot read it, even with the right session id.
        assert await repository.load(redis, secret="t" * 40, session_id=session.session_id) is None

        await sessions.sign_out(redis=redis, session_id=session.session_id)
        assert await sessions.resolve(redis=redis, secret=SECRET, cookie=cookie) == (CookieState.expired, None)
    finally:
        await redis.aclose()


def test_field_errors_land_next_to_the_form_field() -> None:
    error = ApiError(
        422,
        "The request has invalid fields",
        errors=[
            {"field": "body.result", "message": "Field required"},
            {"field": "body.working_days", "message": "Input should be a valid integer"},
            {"field": "query.topic_code", "message": "String should match pattern"},
        ],
    )
    assert error.field_errors() == {
        "result": "Field required",
        "working_days": "Input should be a valid integer",
        "topic_code": "String should match pattern",
    }

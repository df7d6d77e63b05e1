"""Signed values for cookies and sign-in forms: `<value>.<expiry>.<hmac>`.

A cookie that fails the signature was tampered with (or signed by another deployment); one whose
expiry has passed is expired. The two are told apart so the page can say which.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from enum import StrEnum


class CookieState(StrEnum):
    valid = "valid"
    missing = "missing"
    tampered = "tampered"
    expired = "expired"


def _mac(secret: str, purpose: str, body: str) -> str:
    digest = hmac.new(secret.encode(), f"{purpose}|{body}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def sign(secret: str, purpose: str, value: str, *, expires_at: float) -> str:
    body = f"{value}.{int(expires_at)}"
    return f"{body}.{_mac(secret, purpose, body)}"


def verify(secret: str, purpose: str, signed: str | None, *, now: float) -> tuple[CookieState, str | None]:
    if not signed:
        return CookieState.missing, None
    parts = signed.split(".")
    if len(parts) != 3 or not parts[1].isdigit():
        return CookieState.tampered, None
    value, expiry, mac = parts
    if not hmac.compare_digest(mac, _mac(secret, purpose, f"{value}.{expiry}")):
        return CookieState.tampered, None
    if int(expiry) <= now:
        return CookieState.expired, None
    return CookieState.valid, value

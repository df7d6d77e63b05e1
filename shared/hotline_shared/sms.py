"""Sending a text message to a citizen: an HTTP SMS gateway in production, the log in development.

The demo sender writes the text (with a one-time code, if any) and the masked number to the log,
so a walkthrough can read the code there; the full number is never logged.
"""

from __future__ import annotations

from typing import Protocol

import httpx
import structlog

from .privacy import mask_phone

log = structlog.get_logger("sms")


class SmsSender(Protocol):
    async def send_sms(self, *, phone: str, text: str) -> None: ...


class LogSmsSender:
    async def send_sms(self, *, phone: str, text: str) -> None:
        log.info("sms_demo_sent", to=mask_phone(phone), text=text)


class HttpSmsSender:
    def __init__(self, url: str, client: httpx.AsyncClient | None = None) -> None:
        self.url = url
        self.client = client or httpx.AsyncClient(timeout=10.0)

    async def send_sms(self, *, phone: str, text: str) -> None:
        response = await self.client.post(self.url, json={"phone": phone, "text": text})
        response.raise_for_status()

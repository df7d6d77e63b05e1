"""Pluggable notifiers: an SMS gateway for citizens and webhooks for units in production; in
development and tests the notifications table itself is the record of what would have been sent."""

from __future__ import annotations

from typing import Any, Protocol

import httpx
import structlog
from hotline_shared.sms import HttpSmsSender

from ..config import FeedbackSettings

log = structlog.get_logger("notifier")


class NotDeliverable(Exception):
    """Nothing to deliver to (no webhook configured for the unit): the notice is skipped."""


class Notifier(Protocol):
    async def send_sms(self, *, phone: str, text: str) -> None: ...

    async def post_webhook(self, *, unit_id: str, body: dict[str, Any]) -> None: ...

    async def aclose(self) -> None: ...


class LogNotifier:
    async def send_sms(self, *, phone: str, text: str) -> None:
        # The number is left out on purpose: logs never carry personal data.
        log.info("sms_logged", length=len(text))

    async def post_webhook(self, *, unit_id: str, body: dict[str, Any]) -> None:
        log.info("webhook_logged", unit_id=unit_id, type=body.get("type"), case_no=body.get("case_no"))

    async def aclose(self) -> None:
        return None


class HttpNotifier:
    def __init__(self, settings: FeedbackSettings, client: httpx.AsyncClient | None = None) -> None:
        self.settings = settings
        self.client = client or httpx.AsyncClient(timeout=10.0)

    async def send_sms(self, *, phone: str, text: str) -> None:
        if not self.settings.sms_gateway_url:
            raise NotDeliverable("no SMS gateway configured (FEEDBACK_SMS_GATEWAY_URL)")
        await HttpSmsSender(self.settings.sms_gateway_url, self.client).send_sms(phone=phone, text=text)

    def _webhook_url(self, unit_id: str) -> str | None:
        if unit_id in self.settings.unit_webhooks:
            return self.settings.unit_webhooks[unit_id]
        if self.settings.unit_webhook_url:
            return self.settings.unit_webhook_url.replace("{unit_id}", unit_id)
        return None

    async def post_webhook(self, *, unit_id: str, body: dict[str, Any]) -> None:
        url = self._webhook_url(unit_id)
        if url is None:
            raise NotDeliverable(f"no webhook configured for unit {unit_id}")
        response = await self.client.post(url, json=body)
        response.raise_for_status()

    async def aclose(self) -> None:
        await self.client.aclose()


def make_notifier(settings: FeedbackSettings) -> Notifier:
    return HttpNotifier(settings) if settings.notifier == "http" else LogNotifier()

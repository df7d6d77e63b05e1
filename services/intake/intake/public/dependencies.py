from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from hotline_shared.sms import HttpSmsSender, LogSmsSender, SmsSender
from hotline_shared.storage import ObjectStore, make_store
from hotline_shared.throttle import WindowThrottle

from ..config import IntakeSettings


def make_sender(settings: IntakeSettings) -> SmsSender:
    if settings.sms == "http":
        if not settings.sms_gateway_url:
            raise ValueError("INTAKE_SMS=http needs INTAKE_SMS_GATEWAY_URL")
        return HttpSmsSender(settings.sms_gateway_url)
    return LogSmsSender()


def install(app_state: object, settings: IntakeSettings) -> None:
    """What the public channels need on app.state: the object store and the SMS sender."""
    app_state.store = make_store(settings.media)  # type: ignore[attr-defined]
    app_state.sms = make_sender(settings)  # type: ignore[attr-defined]


def get_store(request: Request) -> ObjectStore:
    store: ObjectStore = request.app.state.store
    return store


def get_sms(request: Request) -> SmsSender:
    sender: SmsSender = request.app.state.sms
    return sender


def get_throttle(request: Request) -> WindowThrottle:
    return WindowThrottle(request.app.state.redis, prefix="intake:public")


StoreDep = Annotated[ObjectStore, Depends(get_store)]
SmsDep = Annotated[SmsSender, Depends(get_sms)]
ThrottleDep = Annotated[WindowThrottle, Depends(get_throttle)]

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request
from hotline_shared.db import Database

from ..config import IntakeSettings


def get_settings(request: Request) -> IntakeSettings:
    settings: IntakeSettings = request.app.state.settings
    return settings


def get_database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def duplicate_window(settings: IntakeSettings) -> timedelta:
    return timedelta(days=settings.duplicate_window_days)


SettingsDep = Annotated[IntakeSettings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]

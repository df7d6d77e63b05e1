"""`python -m <service>.manage outbox …`: the operator's hand on the service's outbox.

`replay --since T` is for the runbook's "Redis lost data" path when the automatic repair is not
enough (Redis lost more than the relay's replay window, or a consumer's own database was restored
from a backup): events written since T go out again; consumers skip what they already handled.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import typer
from sqlalchemy import func, select

from ..clock import SHANGHAI
from ..db import Database
from ..settings import ServiceSettings
from .relay import reset_published
from .tables import EventTables

_AGO = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([smhd])\s*")


def parse_since(text: str, *, now: datetime) -> datetime:
    """'2026-11-23T09:30', '2026-11-23 09:30:00+08:00' (Asia/Shanghai when no offset) or '90m', '2h', '1d' ago."""
    ago = _AGO.fullmatch(text)
    if ago:
        return now - timedelta(seconds=float(ago.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[ago.group(2)])
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is neither a time like 2026-11-23T09:30 nor a span like 90m, 2h or 1d", param_hint="--since"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=SHANGHAI)


def make_outbox_cli(
    *, settings_factory: Callable[[], ServiceSettings], tables: EventTables, now: Callable[[], datetime]
) -> typer.Typer:
    cli = typer.Typer(help="This service's event outbox", no_args_is_help=True)
    since_option: Any = typer.Option(
        ..., "--since", help="A time (2026-11-23T09:30, Asia/Shanghai) or a span ago (90m, 2h)"
    )

    @cli.command()
    def replay(since: str = since_option) -> None:
        """Publish again every event this service wrote since T (its worker's relay sends them)."""
        start = parse_since(since, now=now())

        async def work() -> tuple[int, int]:
            db = Database(settings_factory().database_url)
            try:
                async with db.transaction() as session:
                    count = await reset_published(session, tables, created_since=start)
                    outbox = tables.outbox
                    waiting = await session.scalar(
                        select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
                    )
                return count, int(waiting or 0)
            finally:
                await db.dispose()

        count, waiting = asyncio.run(work())
        typer.echo(
            f"{count} event(s) written since {start.isoformat()} marked for publishing again; "
            f"{waiting} now wait in the outbox (hotline_outbox_unpublished falls to 0 as the worker sends them)"
        )

    return cli

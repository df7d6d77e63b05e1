"""`python -m dispatch.manage supervision …` (also `python -m dispatch.supervision.cli …`).

- recompute: rebuild the monthly figures from the outcome ledger (all months, or one);
- verify:    compare the incrementally kept figures with a fresh recomputation, change nothing;
- resync:    rebuild every open order's timers and outcomes from the work orders (after a restore,
             or to adopt orders created before supervision existed);
- sweep:     fire due timers and queued notices once (the worker does this continuously).
"""

from __future__ import annotations

import asyncio

import typer
from hotline_shared.app import make_clock
from hotline_shared.db import Database
from sqlalchemy import select

from ..config import DispatchSettings
from ..orders.models import WorkOrder
from ..orders.workflow import OPEN
from ..runtime import make_runtime
from . import hooks, ledger, timers
from .models import SupervisedOrder

cli = typer.Typer(help="Tracking supervision (跟踪监督): timers and monthly figures", no_args_is_help=True)

MonthOption = typer.Option(None, help="YYYY-MM; default: every month")


async def _recompute(settings: DispatchSettings, month: str | None) -> int:
    db = Database(settings.database_url)
    try:
        async with db.transaction() as session:
            return await ledger.recompute(session, month=month)
    finally:
        await db.dispose()


async def _verify(settings: DispatchSettings, month: str | None) -> list[tuple[object, object, object]]:
    db = Database(settings.database_url)
    try:
        async with db.transaction() as session:
            return list(await ledger.differences(session, month=month))
    finally:
        await db.dispose()


async def resync_all(db: Database, settings: DispatchSettings, *, batch: int = 500) -> int:
    """Run the order hook over every open order and every order supervision has never seen."""
    rt = make_runtime(settings, make_clock(settings))
    done = 0
    last = ""
    while True:
        async with db.transaction() as session:
            known = select(SupervisedOrder.order_id).where(SupervisedOrder.order_id == WorkOrder.order_id).exists()
            orders = (
                await session.scalars(
                    select(WorkOrder)
                    .where(WorkOrder.order_id > last, WorkOrder.info_only.is_(False))
                    .where(WorkOrder.status.in_([s.value for s in OPEN]) | ~known)
                    .order_by(WorkOrder.order_id)
                    .limit(batch)
                )
            ).all()
            for order in orders:
                await hooks.order_changed(session, rt, order=order)
        done += len(orders)
        if len(orders) < batch:
            return done
        last = orders[-1].order_id


@cli.command()
def recompute(month: str | None = MonthOption) -> None:
    """Rebuild the monthly figures from the outcome ledger."""
    rows = asyncio.run(_recompute(DispatchSettings(), month))
    typer.echo(f"supervision: {rows} figure rows rebuilt")


@cli.command()
def verify(month: str | None = MonthOption) -> None:
    """Check that the incremental figures equal a recomputation (exit 1 if not)."""
    diffs = asyncio.run(_verify(DispatchSettings(), month))
    for key, stored, fresh in diffs:
        typer.echo(f"{key}: stored (total, hits) {stored} != recomputed {fresh}")
    if diffs:
        raise typer.Exit(1)
    typer.echo("supervision: figures match the ledger")


@cli.command()
def resync() -> None:
    """Rebuild timers and outcomes of open (and never-seen) orders from the work orders."""
    settings = DispatchSettings()

    async def go() -> int:
        db = Database(settings.database_url)
        try:
            return await resync_all(db, settings)
        finally:
            await db.dispose()

    typer.echo(f"supervision: {asyncio.run(go())} orders resynchronised")


@cli.command()
def sweep() -> None:
    """Fire due timers and deliver queued unit notices once."""
    settings = DispatchSettings()

    async def go() -> timers.SweepResult:
        db = Database(settings.database_url)
        try:
            rt = make_runtime(settings, make_clock(settings))
            return await timers.sweep(db, rt, batch=settings.supervision.sweep_batch)
        finally:
            await db.dispose()

    result = asyncio.run(go())
    typer.echo(f"supervision: {result.timers} timers fired on {result.orders} orders, {result.notices} notices sent")


if __name__ == "__main__":
    cli()

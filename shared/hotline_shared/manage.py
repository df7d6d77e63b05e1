"""The `python -m <service>.manage` CLI of every service: migrate, makemigration, seed, worker, serve, dlq, outbox."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import typer
import uvicorn

from .app import make_clock
from .db import make_metadata
from .events import event_tables
from .events.dlq_cli import make_dlq_cli
from .events.outbox_cli import make_outbox_cli
from .migrations import autogenerate, upgrade
from .settings import ServiceSettings
from .worker import WorkerBuilder, run_worker

Seeder = Callable[[ServiceSettings, bool], Coroutine[Any, Any, str]]


def make_cli(
    *,
    service: str,
    settings_factory: Callable[[], ServiceSettings],
    migrations_dir: Path,
    app_factory: str,
    default_port: int,
    worker_builder: Callable[[ServiceSettings], WorkerBuilder] | None = None,
    seeder: Seeder | None = None,
) -> typer.Typer:
    cli = typer.Typer(help=f"{service} service management", no_args_is_help=True)

    @cli.command()
    def migrate() -> None:
        """Apply database migrations (idempotent)."""
        upgrade(migrations_dir, settings_factory().database_url)
        typer.echo(f"{service}: migrations applied")

    @cli.command()
    def makemigration(message: str, rev_id: str) -> None:
        """Autogenerate a migration from the models (review it before committing)."""
        autogenerate(migrations_dir, message, rev_id)

    @cli.command()
    def seed(demo: bool = typer.Option(False, help="Also load demo data")) -> None:
        """Load reference data (idempotent)."""
        if seeder is None:
            typer.echo(f"{service}: nothing to seed")
            return
        typer.echo(f"{service}: " + asyncio.run(seeder(settings_factory(), demo)))

    @cli.command()
    def worker() -> None:
        """Run the outbox relay, consumers and periodic jobs until SIGTERM."""
        if worker_builder is None:
            typer.echo(f"{service}: has no worker")
            raise typer.Exit(0)
        settings = settings_factory()
        asyncio.run(run_worker(settings=settings, build=worker_builder(settings), clock=make_clock(settings)))

    @cli.command()
    def serve(host: str = "127.0.0.1", port: int = default_port, workers: int = 1) -> None:
        """Serve the HTTP API."""
        uvicorn.run(app_factory, factory=True, host=host, port=port, workers=workers, log_level="info")

    # Consumer groups are named after the consuming service, so that is the default group.
    cli.add_typer(make_dlq_cli(settings_factory=settings_factory, default_group=service), name="dlq")
    if worker_builder is not None:
        # Every service's outbox has the same shape and name, so a fresh definition addresses it.
        outbox_tables = event_tables(make_metadata())
        cli.add_typer(
            make_outbox_cli(
                settings_factory=settings_factory,
                tables=outbox_tables,
                now=lambda: make_clock(settings_factory()).now(),
            ),
            name="outbox",
        )

    return cli

"""`python -m gateway.manage keys create|list|revoke|rotate`, and the demo key seed."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import typer
import yaml
from hotline_shared.app import make_clock
from hotline_shared.clock import Clock
from hotline_shared.db import Database
from hotline_shared.errors import AppError
from hotline_shared.settings import ServiceSettings
from rich.console import Console
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from ..config import GatewaySettings
from . import service
from .schemas import ApiKeyCreate, ApiKeyIssued, KeyRole, KeyStatus

T = TypeVar("T")

keys_cli = typer.Typer(
    help="Manage API keys (stored hashed; a secret is printed only when issued)", no_args_is_help=True
)
console = Console()

CLI_ACTOR = "cli"


def _run(work: Callable[[AsyncSession, Clock, GatewaySettings], Awaitable[T]]) -> T:
    settings = GatewaySettings()

    async def go() -> T:
        db = Database(settings.database_url)
        try:
            async with db.transaction() as session:
                return await work(session, make_clock(settings), settings)
        finally:
            await db.dispose()

    try:
        return asyncio.run(go())
    except AppError as exc:
        details = "; ".join(f"{e['field']}: {e['message']}" for e in exc.errors)
        typer.echo(f"error: {exc.detail}" + (f" ({details})" if details else ""), err=True)
        raise typer.Exit(1) from exc


def _print_issued(issued: ApiKeyIssued) -> None:
    typer.echo(f"id:     {issued.id}")
    typer.echo(f"name:   {issued.name}")
    typer.echo(f"role:   {issued.role.value}")
    if issued.previous_valid_until:
        typer.echo(f"old secret valid until: {issued.previous_valid_until.isoformat()}")
    typer.echo(f"key:    {issued.key}")
    typer.echo("Store the key now: it cannot be shown again.", err=True)


@keys_cli.command("create")
def create(
    name: str = typer.Option(..., help="Unique name, e.g. station-d01-s01"),
    role: KeyRole = typer.Option(..., help="operator, station, unit, supervisor or admin"),
    unit_id: str | None = typer.Option(None, help="Required for role unit"),
    station_id: str | None = typer.Option(None, help="Required for role station"),
    area_code: str | None = typer.Option(None, help="Optional for a supervisor"),
    expires_in_days: int | None = typer.Option(None, min=1, help="Expire the key after this many days"),
) -> None:
    """Create a key and print its secret once."""

    async def work(session: AsyncSession, clock: Clock, _s: GatewaySettings) -> ApiKeyIssued:
        expires_at = clock.now() + timedelta(days=expires_in_days) if expires_in_days else None
        data = ApiKeyCreate(
            name=name, role=role, unit_id=unit_id, station_id=station_id, area_code=area_code, expires_at=expires_at
        )
        return await service.create_key(session, data=data, actor=CLI_ACTOR, clock=clock, source="cli")

    _print_issued(_run(work))


@keys_cli.command("list")
def list_(
    role: KeyRole | None = typer.Option(None),
    status: KeyStatus | None = typer.Option(None),
) -> None:
    """List keys (never their secrets)."""

    async def work(session: AsyncSession, clock: Clock, _s: GatewaySettings) -> list[Any]:
        items: list[Any] = []
        cursor = None
        while True:
            page = await service.list_keys(session, clock=clock, role=role, status=status, limit=200, cursor=cursor)
            items += page.items
            if page.next_cursor is None:
                return items
            cursor = page.next_cursor

    table = Table("id", "name", "role", "scope", "prefix", "status", "expires", "last used")
    for k in _run(work):
        scope = k.unit_id or k.station_id or k.area_code or ""
        table.add_row(
            k.id, k.name, k.role.value, scope, k.prefix, k.status.value,
            k.expires_at.isoformat() if k.expires_at else "", k.last_used_at.isoformat() if k.last_used_at else "",
        )  # fmt: skip
    console.print(table)


@keys_cli.command("revoke")
def revoke(ref: str = typer.Argument(..., help="The key's id or name")) -> None:
    """Revoke a key: it stops working at once."""

    async def work(session: AsyncSession, clock: Clock, _s: GatewaySettings) -> str:
        key = await service.find_by_ref(session, ref=ref)
        view = await service.revoke_key(session, key_id=key.id, actor=CLI_ACTOR, clock=clock)
        return f"revoked {view.name} ({view.id})"

    typer.echo(_run(work))


@keys_cli.command("rotate")
def rotate(
    ref: str = typer.Argument(..., help="The key's id or name"),
    grace_seconds: int = typer.Option(0, min=0, help="How long the old secret keeps working"),
) -> None:
    """Give a key a new secret (same name, role and scope) and print it once."""

    async def work(session: AsyncSession, clock: Clock, settings: GatewaySettings) -> ApiKeyIssued:
        key = await service.find_by_ref(session, ref=ref)
        return await service.rotate_key(
            session,
            key_id=key.id,
            grace_seconds=grace_seconds,
            max_grace_seconds=settings.key_rotation_max_grace_s,
            clock=clock,
        )

    _print_issued(_run(work))


def load_seed_file(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise FileNotFoundError(f"API key seed file not found: {path} (set GATEWAY_API_KEYS_FILE)")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if isinstance(data, dict):
        data = data.get("keys", data.get("api_keys"))
    if not isinstance(data, list) or not all(isinstance(e, dict) for e in data):
        raise ValueError(f"{path}: expected a list of {{name, key, role, ...}} entries")
    return data


async def seed(settings: ServiceSettings, demo: bool) -> str:
    """The gateway has no reference data; `--demo` loads the demo keys from the seed file."""
    if not demo:
        return "no reference data to seed (demo keys: seed --demo)"
    assert isinstance(settings, GatewaySettings)
    db = Database(settings.database_url)
    try:
        entries = load_seed_file(settings.api_keys_file)
        async with db.transaction() as session:
            counts = await service.seed_keys(session, entries=entries, clock=make_clock(settings))
    except (OSError, ValueError, AppError) as exc:
        # All or nothing: one bad entry leaves the keys as they were.
        typer.echo(f"error: {getattr(exc, 'detail', exc)}", err=True)
        raise typer.Exit(1) from exc
    finally:
        await db.dispose()
    summary = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items() if v)
    return f"demo API keys from {settings.api_keys_file}: {summary or 'none'}"

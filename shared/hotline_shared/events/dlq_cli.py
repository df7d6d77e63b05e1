"""`python -m <service>.manage dlq list|replay`: the operator's view of a group's dead letters.

The listing leaves the event body out: it carries callers' personal data, and the event id,
type, case number and error are what an operator needs to find the cause.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import typer
from redis.asyncio import Redis

from ..redis_client import connect_redis
from ..settings import ServiceSettings
from .dlq import DeadLetterNotFound, count_dead_letters, list_dead_letters, replay_dead_letters
from .streams import dlq_stream

T = TypeVar("T")


def make_dlq_cli(*, settings_factory: Callable[[], ServiceSettings], default_group: str) -> typer.Typer:
    cli = typer.Typer(help="Dead letters of this service's consumer group", no_args_is_help=True)

    def run(work: Callable[[Redis, ServiceSettings], Awaitable[T]]) -> T:
        settings = settings_factory()

        async def go() -> T:
            redis = connect_redis(settings, socket_timeout=10)
            try:
                return await work(redis, settings)
            finally:
                await redis.aclose()

        return asyncio.run(go())

    group_option: Any = typer.Option(default_group, "--group", help="Consumer group (default: this service)")

    @cli.command("list")
    def list_(
        group: str = group_option,
        limit: int = typer.Option(100, "--limit", min=1, help="Show at most this many, oldest first"),
    ) -> None:
        """List dead letters with the error that parked them."""

        async def work(redis: Redis, _: ServiceSettings) -> tuple[int, list[Any]]:
            return await count_dead_letters(redis, group), await list_dead_letters(redis, group, count=limit)

        total, letters = run(work)
        if not letters:
            typer.echo(f"{dlq_stream(group)}: no dead letters")
            return
        typer.echo(f"{dlq_stream(group)}: {total} dead letter(s)")
        for letter in letters:
            typer.echo(
                f"{letter.id}  dead_at={letter.dead_at}  type={letter.type}  event_id={letter.event_id}  "
                f"case_no={letter.case_no}  from={letter.source_stream}#{letter.source_id}  "
                f"deliveries={letter.deliveries}"
            )
            typer.echo(f"    error: {letter.error}")

    @cli.command()
    def replay(
        group: str = group_option,
        ids: list[str] | None = typer.Option(None, "--id", help="Dead letter id to replay (repeatable); default all"),
    ) -> None:
        """Put dead letters back on their source stream (after fixing what made them fail)."""

        async def work(redis: Redis, settings: ServiceSettings) -> list[Any]:
            return await replay_dead_letters(redis, group, maxlen=settings.stream_maxlen, ids=ids or None)

        try:
            replayed = run(work)
        except DeadLetterNotFound as exc:
            typer.echo(f"{exc}; nothing replayed (see `dlq list --group {group}`)", err=True)
            raise typer.Exit(1) from exc
        for letter, new_id in replayed:
            typer.echo(f"replayed {letter.id} ({letter.type} {letter.event_id}) -> {letter.source_stream}#{new_id}")
        typer.echo(f"{len(replayed)} dead letter(s) replayed")

    return cli

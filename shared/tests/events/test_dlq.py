"""The dead-letter tool: `python -m <service>.manage dlq list|replay`."""

from __future__ import annotations

import asyncio
from pathlib import Path

from hotline_shared.clock import ManualClock
from hotline_shared.db import Database
from hotline_shared.events import EventEnvelope, dlq_stream, list_dead_letters
from hotline_shared.manage import make_cli
from hotline_shared.settings import ServiceSettings
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner, Result

from . import busapp

DLQ = dlq_stream(busapp.GROUP)
PHONE = "13812345678"


def manage(redis_url: str, *args: str) -> Result:
    cli = make_cli(
        service=busapp.GROUP,  # groups are named after their service
        settings_factory=lambda: ServiceSettings(env="test", redis_url=redis_url, stream_maxlen=1000),
        migrations_dir=Path("unused"),
        app_factory="unused:create_app",
        default_port=0,
    )
    return CliRunner().invoke(cli, ["dlq", *args])


async def test_operator_lists_dead_letters_then_replays_them_after_the_fix(
    db: Database, redis: Redis, redis_url: str, clock: ManualClock
) -> None:
    outbox = busapp.make_outbox(clock)
    async with db.transaction() as session:
        for seq in range(4):
            await outbox.emit(
                session,
                type=busapp.EVENT_TYPE,
                case_no=f"20261123-00000{seq}",
                payload={"seq": seq, "caller": {"name": "张三", "phone": PHONE}},
            )
    await busapp.make_relay(db, redis, clock).drain()
    fixed = asyncio.Event()

    async def handle(session: AsyncSession, envelope: EventEnvelope) -> None:
        if envelope.payload["seq"] in (1, 2) and not fixed.is_set():
            raise LookupError(f"no routing rule for case {envelope.case_no}")
        await busapp.record(session, envelope)

    consumer = busapp.make_consumer(db, redis, clock, handler=handle, max_deliveries=1)
    await consumer.ensure_groups()
    await consumer.process_once()
    assert await busapp.received_seqs(db) == [0, 3]
    first, second = await list_dead_letters(redis, busapp.GROUP)

    listing = await asyncio.to_thread(manage, redis_url, "list")

    assert listing.exit_code == 0, listing.output
    assert f"{DLQ}: 2 dead letter(s)" in listing.output
    for letter in (first, second):
        assert letter.id in listing.output
        assert f"event_id={letter.event_id}" in listing.output
        assert f"error: LookupError: no routing rule for case {letter.case_no}" in listing.output
    assert PHONE not in listing.output  # the body, with the caller's data, stays out of the terminal
    assert "张三" not in listing.output

    fixed.set()
    replay_one = await asyncio.to_thread(manage, redis_url, "replay", "--id", first.id)

    assert replay_one.exit_code == 0, replay_one.output
    assert "1 dead letter(s) replayed" in replay_one.output
    assert [letter.id for letter in await list_dead_letters(redis, busapp.GROUP)] == [second.id]
    await busapp.consume_until(consumer, db, 3)
    assert sorted(await busapp.received_seqs(db)) == [0, 1, 3]

    replay_rest = await asyncio.to_thread(manage, redis_url, "replay")

    assert replay_rest.exit_code == 0, replay_rest.output
    await busapp.consume_until(consumer, db, 4)
    assert sorted(await busapp.received_seqs(db)) == [0, 1, 2, 3]
    assert await redis.xlen(DLQ) == 0
    empty = await asyncio.to_thread(manage, redis_url, "list")
    assert f"{DLQ}: no dead letters" in empty.output


async def test_replaying_an_unknown_id_replays_nothing(db: Database, redis: Redis, redis_url: str) -> None:
    await redis.xadd(
        DLQ,
        {"event_id": "e-1", "type": "t", "body": "{}", "source_stream": busapp.STREAM, "source_id": "1-0",
         "group": busapp.GROUP, "error": "boom", "deliveries": "5", "dead_at": "2026-11-23T09:30:00+08:00"},
    )  # fmt: skip

    result = await asyncio.to_thread(manage, redis_url, "replay", "--id", "1-0", "--id", "not-an-id")

    assert result.exit_code == 1
    assert "no such dead letter: 1-0, not-an-id" in result.output
    assert await redis.xlen(DLQ) == 1
    assert not await redis.exists(busapp.STREAM)


async def test_replay_of_an_event_the_group_already_handled_changes_nothing(
    db: Database, redis: Redis, redis_url: str, clock: ManualClock
) -> None:
    # A dead letter can be stale: "too many deliveries" may park an event whose last delivery
    # did commit. Replaying it must not apply it twice.
    await busapp.write_events(db, busapp.make_outbox(clock), range(1))
    await busapp.make_relay(db, redis, clock).drain()
    consumer = busapp.make_consumer(db, redis, clock)
    await consumer.ensure_groups()
    await consumer.process_once()
    [(_, fields)] = await redis.xrange(busapp.STREAM)
    await redis.xadd(DLQ, {**fields, b"source_stream": busapp.STREAM, b"error": "stale", b"deliveries": b"5"})

    result = await asyncio.to_thread(manage, redis_url, "replay")

    assert result.exit_code == 0, result.output
    assert await consumer.process_once() == 1
    assert await busapp.received_seqs(db) == [0]
    assert await busapp.pending_count(redis) == 0

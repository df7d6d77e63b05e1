"""Run the bus test service's relay or consumer in its own process, so a test can kill it.

`--die-at POINT --nth N` makes the process `os._exit(KILLED)` the Nth time it reaches the fault
point: no cleanup, no rollback, no ack, exactly like SIGKILL at that instant.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

import busapp  # this file's own directory is sys.path[0] when run as a script
from hotline_shared.db import Database
from hotline_shared.events.faults import FaultHook
from redis.asyncio import Redis

KILLED = 17


def die_at(point: str, nth: int) -> FaultHook:
    reached = 0

    def hook(name: str) -> None:
        nonlocal reached
        if name == point:
            reached += 1
            if reached == nth:
                sys.stdout.flush()
                os._exit(KILLED)

    return hook


async def main(args: argparse.Namespace) -> None:
    db = Database(args.db)
    redis = Redis.from_url(args.redis)
    clock = busapp.make_clock()
    hook = die_at(args.die_at, args.nth) if args.die_at else None
    try:
        if args.role == "relay":
            relay = busapp.make_relay(db, redis, clock, batch=args.batch, lock_ttl_ms=args.lock_ttl_ms, fault_hook=hook)
            await relay.drain()
        else:
            consumer = busapp.make_consumer(
                db, redis, clock, batch=args.batch, fault_hook=hook, name=args.name,
                heartbeat_ttl_ms=args.heartbeat_ttl_ms,
            )  # fmt: skip
            await consumer.ensure_groups()
            while await consumer.process_once():
                pass
    finally:
        await redis.aclose()
        await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("role", choices=["relay", "consumer"])
    parser.add_argument("--db", required=True)
    parser.add_argument("--redis", required=True)
    parser.add_argument("--die-at")
    parser.add_argument("--nth", type=int, default=1)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--lock-ttl-ms", type=int, default=5000)
    parser.add_argument("--name")
    parser.add_argument("--heartbeat-ttl-ms", type=int, default=5000)
    asyncio.run(main(parser.parse_args()))

"""Case numbers: unique, sortable, readable (date + sequence), safe across replicas."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime

import httpx
from fastapi import FastAPI
from hotline_shared.clock import SHANGHAI, ManualClock
from hotline_shared.testing.apps import running
from intake.config import IntakeSettings
from intake.main import create_app

from .helpers import CASES, assert_one_event_per_case, case_body, operator, seed_catalog, station

REPLICAS = 3
CONCURRENT_POSTS = 36


@asynccontextmanager
async def replicas(settings: IntakeSettings, clock: ManualClock, n: int) -> AsyncIterator[list[httpx.AsyncClient]]:
    """n independent app instances (own engine, own pool) on one database, like n replicas."""
    async with AsyncExitStack() as stack:
        apps = [create_app(settings, clock=clock) for _ in range(n)]
        clients = [await stack.enter_async_context(running(app)) for app in apps]
        await seed_catalog(apps[0])
        yield clients


def distinct_body(i: int) -> dict[str, object]:
    # Different callers, so none of them is a duplicate of another.
    return case_body(caller={"name": "市民", "phone": f"139{i:08d}"}, description=f"第{i}位市民反映占道经营问题")


async def test_numbers_are_date_and_sequence(client: httpx.AsyncClient) -> None:
    numbers = []
    for i in range(3):
        r = await client.post(CASES, json=distinct_body(i), headers=operator())
        numbers.append(r.json()["case_no"])
    assert numbers == ["20261123-000001", "20261123-000002", "20261123-000003"]


async def test_sequence_restarts_each_beijing_day(client: httpx.AsyncClient, clock: ManualClock) -> None:
    clock.set(datetime(2026, 11, 23, 23, 59, 59, tzinfo=SHANGHAI))
    first = (await client.post(CASES, json=distinct_body(1), headers=operator())).json()
    # 16:00 UTC is already the next day in Beijing: the number follows Beijing's date.
    clock.set(datetime(2026, 11, 23, 16, 0, 1, tzinfo=UTC))
    second = (await client.post(CASES, json=distinct_body(2), headers=operator())).json()
    assert first["case_no"] == "20261123-000001"
    assert second["case_no"] == "20261124-000001"
    assert first["case_no"] < second["case_no"]


async def test_concurrent_posts_on_several_replicas_never_share_a_number(
    settings: IntakeSettings, clock: ManualClock
) -> None:
    async with replicas(settings, clock, REPLICAS) as clients:
        # A brand-new day: every replica races to create the day's sequence row as well.
        clock.set(datetime(2026, 11, 24, 8, 0, tzinfo=SHANGHAI))
        responses = await asyncio.gather(
            *(
                clients[i % REPLICAS].post(
                    CASES,
                    json=distinct_body(i),
                    headers=station(f"ST-{i % 4}") if i % 2 else operator(),
                )
                for i in range(CONCURRENT_POSTS)
            )
        )
        assert [r.status_code for r in responses] == [201] * CONCURRENT_POSTS, [
            r.text for r in responses if r.status_code != 201
        ]
        numbers = [r.json()["case_no"] for r in responses]
        assert len(set(numbers)) == CONCURRENT_POSTS
        # Not only unique but gap-free: no number was taken and then lost.
        assert sorted(numbers) == [f"20261124-{n:06d}" for n in range(1, CONCURRENT_POSTS + 1)]
        assert all(re.fullmatch(r"\d{8}-\d{6}", n) for n in numbers)
        codes = [r.json()["lookup_code"] for r in responses]
        assert len(set(codes)) == CONCURRENT_POSTS


async def test_every_concurrent_case_has_exactly_one_event(settings: IntakeSettings, clock: ManualClock) -> None:
    async with replicas(settings, clock, 2) as clients:
        await asyncio.gather(
            *(clients[i % 2].post(CASES, json=distinct_body(i), headers=operator()) for i in range(12))
        )
    app: FastAPI = create_app(settings, clock=clock)
    async with running(app):
        await assert_one_event_per_case(app)

"""Retries are safe: same caller + same key + same body → the first answer, never a second case."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

import httpx
from fastapi import FastAPI
from hotline_shared.clock import ManualClock
from hotline_shared.testing import signed_headers
from hotline_shared.testing.apps import running
from intake.catalog.models import CatalogState, Topic
from intake.config import IntakeSettings
from intake.main import create_app
from sqlalchemy import update

from .helpers import (
    BATCH,
    CASES,
    assert_one_event_per_case,
    case_body,
    case_count,
    intake_events,
    operator,
    seed_catalog,
    station,
)


def keyed(key: str, headers: dict[str, str] | None = None) -> dict[str, str]:
    return {**(headers or operator()), "Idempotency-Key": key}


async def test_same_key_and_body_gives_the_first_answer_again(client: httpx.AsyncClient, app: FastAPI) -> None:
    first = await client.post(CASES, json=case_body(), headers=keyed("call-0001"))
    again = await client.post(CASES, json=case_body(), headers=keyed("call-0001"))
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert await case_count(app) == 1
    assert len(await intake_events(app, "case.received")) == 1


async def test_same_key_with_a_different_body_is_a_conflict(client: httpx.AsyncClient, app: FastAPI) -> None:
    first = await client.post(CASES, json=case_body(), headers=keyed("call-0002"))
    changed = await client.post(
        CASES, json=case_body(description="换了一个说法的占道经营问题"), headers=keyed("call-0002")
    )
    assert changed.status_code == 409
    problem = changed.json()
    assert problem["type"].endswith("/conflict")
    assert first.json()["case_no"] in problem["detail"]
    assert await case_count(app) == 1


async def test_field_order_and_defaults_do_not_make_a_different_body(client: httpx.AsyncClient, app: FastAPI) -> None:
    body = case_body()
    reordered = dict(reversed(list({**body, "urgency": "normal"}.items())))
    first = await client.post(CASES, json=body, headers=keyed("call-0003"))
    again = await client.post(CASES, json=reordered, headers=keyed("call-0003"))
    assert again.status_code == 201
    assert again.json()["case_no"] == first.json()["case_no"]


async def test_keys_are_scoped_to_the_caller(client: httpx.AsyncClient, app: FastAPI) -> None:
    a = await client.post(CASES, json=case_body(), headers=keyed("shared-key", operator(subject="seat-01")))
    b = await client.post(
        CASES, json=case_body(caller={"name": "李四", "phone": "13900001111"}),
        headers=keyed("shared-key", operator(subject="seat-02")),
    )  # fmt: skip
    assert a.status_code == b.status_code == 201
    assert a.json()["case_no"] != b.json()["case_no"]


async def test_a_refused_request_does_not_burn_the_key(client: httpx.AsyncClient, app: FastAPI) -> None:
    bad = await client.post(CASES, json=case_body(topic_code="NOPE"), headers=keyed("call-0004"))
    assert bad.status_code == 422
    good = await client.post(CASES, json=case_body(), headers=keyed("call-0004"))
    assert good.status_code == 201
    assert await case_count(app) == 1


async def test_a_retry_is_answered_even_after_the_topic_was_retired(client: httpx.AsyncClient, app: FastAPI) -> None:
    first = await client.post(CASES, json=case_body(), headers=keyed("call-0005"))
    async with app.state.db.transaction() as session:
        await session.execute(update(Topic).where(Topic.code == "CG-SRHJ-ZDJY").values(active=False))
        await session.execute(update(CatalogState).values(version=CatalogState.version + 1))
    again = await client.post(CASES, json=case_body(), headers=keyed("call-0005"))
    assert again.status_code == 201
    assert again.json() == first.json()
    fresh = await client.post(CASES, json=case_body(), headers=keyed("call-0006"))
    assert fresh.status_code == 422


async def test_invalid_keys_are_refused(client: httpx.AsyncClient) -> None:
    for key in ("", "x" * 201, "has space"):
        response = await client.post(CASES, json=case_body(), headers=keyed(key))
        assert response.status_code == 422, key
        assert response.json()["errors"][0]["field"] == "header.Idempotency-Key"


async def test_same_key_fired_concurrently_from_several_replicas_makes_one_case(
    settings: IntakeSettings, clock: ManualClock
) -> None:
    async with AsyncExitStack() as stack:
        apps = [create_app(settings, clock=clock) for _ in range(3)]
        clients = [await stack.enter_async_context(running(a)) for a in apps]
        await seed_catalog(apps[0])
        headers = keyed("flaky-network-0001", station("ST-09"))
        responses = await asyncio.gather(
            *(clients[i % 3].post(CASES, json=case_body(channel="station"), headers=headers) for i in range(15))
        )
        assert [r.status_code for r in responses] == [201] * 15, [r.text for r in responses]
        assert len({r.json()["case_no"] for r in responses}) == 1
        assert len({r.json()["lookup_code"] for r in responses}) == 1
        assert sum(1 for r in responses if r.headers.get("Idempotent-Replayed") != "true") == 1
        assert await case_count(apps[0]) == 1
        assert len(await intake_events(apps[0], "case.received")) == 1
        await assert_one_event_per_case(apps[0])


async def test_batch_client_ref_and_idempotency_key_are_the_same_key(client: httpx.AsyncClient, app: FastAPI) -> None:
    """A station may resend one batch item on its own, with its client_ref as the key."""
    item = case_body(channel="station")
    batch = await client.post(BATCH, json={"items": [{**item, "client_ref": "JDK-7"}]}, headers=station("ST-03"))
    single = await client.post(CASES, json=item, headers=keyed("JDK-7", station("ST-03")))
    assert single.status_code == 201
    assert single.json() == batch.json()["results"][0]["case"]
    assert await case_count(app) == 1


async def test_identity_roles_do_not_share_keys(client: httpx.AsyncClient, app: FastAPI) -> None:
    admin = signed_headers("admin", subject="admin-1")
    a = await client.post(CASES, json=case_body(), headers=keyed("k-1", admin))
    b = await client.post(CASES, json=case_body(), headers=keyed("k-1", operator(subject="seat-9")))
    assert a.json()["case_no"] != b.json()["case_no"]

"""Two of everything on PostgreSQL: 2 API replicas per service (gateway included) behind the local
balancer, 2 workers per service, a few thousand cases, and kill -9 mid-flight.

What a city would notice if replicas were not safe: a case accepted but missing from a read model,
a unit handed the same order twice, an urge sent twice, events parked in a dead-letter stream, a
rate limit that doubles with the replica count, an idempotent retry that makes a second case.

PostgreSQL only (HOTLINE_TEST_POSTGRES_URL, as CI sets it): replicas of a service sharing one SQLite
file is not a deployment anyone runs; `stack/tests/test_replicas.py` covers the replica mechanics
on any machine.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import redis
from hotline_stack import Ports, Stack, StackConfig
from hotline_stack.config import SERVICES, WORKER_SERVICES
from hotline_stack.postgres import database_url, drop_database, ensure_database
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from .helpers import fresh_phone, key_for, wait_for

POSTGRES = os.environ.get("HOTLINE_TEST_POSTGRES_URL")
pytestmark = [
    pytest.mark.slow,
    # Starting 15 processes on PostgreSQL and the load itself, on a busy 2-core machine: no tight timings.
    pytest.mark.timeout(1800),
    pytest.mark.skipif(not POSTGRES, reason="replicas share a PostgreSQL database; set HOTLINE_TEST_POSTGRES_URL"),
]

CASES = int(os.environ.get("HOTLINE_REPLICA_FAULT_CASES", "1000"))
BATCH = 50
# One public request a minute per address: any second one inside a minute must be refused,
# whichever gateway replica it reaches, however slow the machine.
PUBLIC_PER_MINUTE = 1
STATION = "S-JD-01"

SETTINGS = {
    # Staff and bulk limits out of the way of the load; the public one low, to test it across replicas.
    "GATEWAY_RATE_LIMIT_STAFF_PER_MINUTE": "100000",
    "GATEWAY_RATE_LIMIT_BULK_PER_MINUTE": "100000",
    "GATEWAY_RATE_LIMIT_PUBLIC_PER_MINUTE": str(PUBLIC_PER_MINUTE),
    **{f"{svc.upper()}_CONSUMER_MIN_IDLE_MS": "3000" for svc in WORKER_SERVICES},
    **{f"{svc.upper()}_RELAY_LOCK_TTL_MS": "3000" for svc in WORKER_SERVICES},
}


@pytest.fixture(scope="module")
def replicated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    assert POSTGRES
    suffix = uuid.uuid4().hex[:8]
    names = {svc: f"rep_{svc}_{suffix}" for svc in SERVICES}
    for name in names.values():
        ensure_database(POSTGRES, name)
    config = StackConfig(
        data_dir=tmp_path_factory.mktemp("replicas"),
        ports=Ports.free(),
        database_urls={svc: database_url(POSTGRES, name) for svc, name in names.items()},
        env="test",
        extra_env=SETTINGS,
        api_replicas=2,
        worker_replicas=2,
    )
    stack = Stack(config)
    try:
        stack.start(ready_timeout=300)
        yield stack
    finally:
        stack.stop()
        for name in names.values():
            drop_database(POSTGRES, name)


def rows(stack: Stack, service: str, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    async def run() -> list[tuple[Any, ...]]:
        engine = create_async_engine(stack.config.database_url(service), poolclass=NullPool)
        try:
            async with engine.connect() as conn:
                result = await conn.execute(text(sql), params)
                return [tuple(r) for r in result.all()]
        finally:
            await engine.dispose()

    return asyncio.run(run())


def count(stack: Stack, service: str, sql: str, **params: Any) -> int:
    return int(rows(stack, service, sql, **params)[0][0])


def lease_holder_pid(client: redis.Redis, producer: str) -> int | None:
    """The relay lease's holder is `<host>-<pid>-<random>` (see hotline_shared.events.relay)."""
    value = client.get(f"hotline:relay-lock:{producer}")
    return int(value.decode().rsplit("-", 2)[1]) if value else None


def batch_body(run: str, number: int) -> dict[str, Any]:
    return {
        "items": [
            {
                "client_ref": f"{run}-{number:03d}-{i:02d}",
                "channel": "station",
                "category": "help",
                "topic_code": "ZJ-WYGL-DTGZ",
                "description": "多福巷社区5号楼电梯停运，楼里有多位老人上下楼困难。",
                "caller": {"name": "王桂芳", "phone": fresh_phone()},
                "location": {"district_code": "D01", "street_code": "D01-S01", "community_code": "D01-S01-C01"},
            }
            for i in range(BATCH)
        ]
    }


def post_until_answered(url: str, path: str, body: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
    """What a station app does on a flaky line: resend the same body until it gets a real answer.

    A fresh connection each time, so a resend may land on any replica of the gateway and of intake.
    """
    deadline = time.monotonic() + 240
    while True:
        try:
            with httpx.Client(base_url=url, timeout=60) as client:
                response = client.post(path, json=body, headers=headers)
            if response.status_code < 500 and response.status_code != 409:
                return response
        except httpx.TransportError:
            pass  # the replica we were talking to was killed
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} never answered")
        time.sleep(0.5)


def test_kill_9_of_a_worker_per_service_and_of_api_replicas_loses_and_doubles_nothing(replicated: Stack) -> None:
    stack = replicated
    client = redis.Redis.from_url(stack.redis_url)
    station = key_for(stack, station_id=STATION)
    run = f"R{uuid.uuid4().hex[:6]}"
    batches = CASES // BATCH
    registered_before = count(stack, "intake", "SELECT count(*) FROM cases WHERE registered_station_id = :s", s=STATION)
    accepted: list[str] = []
    done = threading.Event()
    lock = threading.Lock()
    answered = [0]

    def send(number: int) -> None:
        response = post_until_answered(stack.gateway_url, "/api/v1/cases/batch", batch_body(run, number), station)
        assert response.status_code == 200, response.text
        results = response.json()["results"]
        assert all(r["ok"] for r in results), [r for r in results if not r["ok"]][:2]
        with lock:
            accepted.extend(r["case"]["case_no"] for r in results)
            answered[0] += 1

    # The workers that publish right now, so killing them proves the lease moves to the standby.
    leases_before = {svc: wait_for(f"{svc}'s relay lease", lambda s=svc: lease_holder_pid(client, s))
                     for svc in WORKER_SERVICES}  # fmt: skip
    victims = {
        svc: next(n for n in stack.replicas(svc, "worker") if stack.processes[n].pid == leases_before[svc])
        for svc in WORKER_SERVICES
    }

    def chaos() -> None:
        wait_for("a third of the load", lambda: answered[0] >= batches // 3 or done.is_set(), timeout=300)
        for name in (*victims.values(), "intake-api-2", "gateway-api-2"):
            stack.kill(name)

    killer = threading.Thread(target=chaos)
    killer.start()
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(send, range(batches)))
    done.set()
    killer.join()
    print(f"\nreplicas: {batches * BATCH} cases accepted in {time.monotonic() - started:.0f}s despite the kills")
    assert not stack.processes["gateway-api-2"].alive(), "the chaos must have happened mid-flight"

    # Every case the stations were told was accepted, once each.
    assert len(accepted) == len(set(accepted)) == batches * BATCH
    registered = count(stack, "intake", "SELECT count(*) FROM cases WHERE registered_station_id = :s", s=STATION)
    assert registered - registered_before == len(accepted), "a resent batch made second cases"

    # The relay lease moved to the surviving worker of each service.
    for svc in WORKER_SERVICES:
        survivor = next(stack.processes[n].pid for n in stack.replicas(svc, "worker") if n != victims[svc])
        wait_for(f"{svc}'s lease to move", lambda s=svc, p=survivor: lease_holder_pid(client, s) == p, timeout=60)

    # Dispatch and feedback saw every accepted case (the killed workers' pending events reclaimed).
    numbers = tuple(accepted)
    total = len(numbers)
    mine = {"n": list(numbers)}  # ours only: the demo data has cases of its own

    def dispatched() -> int:
        return count(stack, "dispatch", "SELECT count(*) FROM dispatch_cases WHERE case_no = ANY(:n)", **mine)

    def known_to_feedback() -> int:
        return count(stack, "feedback", "SELECT count(*) FROM cases WHERE known AND case_no = ANY(:n)", **mine)

    # As Kubernetes would, bring the killed processes back, so the backlog drains at full strength.
    stack.ensure_running(timeout=300)
    settle("dispatch to know every accepted case", dispatched, total, stack, client)
    settle("feedback to know every accepted case", known_to_feedback, total, stack, client)

    # No unit got the same order twice, every case has its order, and each event was applied once.
    doubled = rows(stack, "dispatch",
                   "SELECT case_no, unit_id FROM work_orders WHERE case_no = ANY(:n) "
                   "GROUP BY case_no, unit_id HAVING count(*) > 1", **mine)  # fmt: skip
    assert doubled == []
    ordered = count(stack, "dispatch", "SELECT count(DISTINCT case_no) FROM work_orders WHERE case_no = ANY(:n)",
                    **mine)  # fmt: skip
    assert ordered == total
    twice = rows(stack, "feedback",
                 "SELECT case_no, type FROM case_events WHERE case_no = ANY(:n) AND type IN ('case.received', "
                 "'order.dispatched') GROUP BY case_no, type, order_id HAVING count(*) > 1", **mine)  # fmt: skip
    assert twice == []
    _assert_no_dead_letters(client)

    # Timers: move every service's clock ten days on (past any holiday), so every sign-for and
    # contact deadline has passed, and kill a dispatch worker while the two engines fire them.
    stack.ensure_running(timeout=300)
    stack.set_clock_offset(10 * 86400, timeout=300)
    time.sleep(1)
    stack.kill("dispatch-worker")

    def fired() -> int:
        return count(stack, "dispatch",
                     "SELECT count(*) FROM supervision_orders WHERE case_no = ANY(:n) AND sign_fired",
                     **mine)  # fmt: skip

    supervised = count(stack, "dispatch", "SELECT count(*) FROM supervision_orders WHERE case_no = ANY(:n)", **mine)
    settle("every sign-for timer to fire", fired, supervised, stack, client)
    fired_twice = rows(stack, "dispatch",
                       "SELECT order_id, level, deadline_kind, round FROM supervision_urges "
                       "WHERE auto AND case_no = ANY(:n) GROUP BY order_id, level, deadline_kind, round "
                       "HAVING count(*) > 1", **mine)  # fmt: skip
    assert fired_twice == []
    urged = count(stack, "dispatch",
                  "SELECT count(DISTINCT order_id) FROM supervision_urges WHERE auto AND case_no = ANY(:n) "
                  "AND level = 'supervise'", **mine)  # fmt: skip
    assert urged == supervised >= total, "every order gone red got its 督办, once"
    _assert_no_dead_letters(client)
    client.close()


def settle(what: str, progress: Callable[[], int], goal: int, stack: Stack, client: redis.Redis) -> None:
    """Wait while the pipeline keeps catching up; fail only when it stops moving for 3 minutes.

    A busy two-core machine may take many minutes for a few thousand cases; what must never
    happen is a count that stops short of the goal.
    """
    last, last_change = -1, time.monotonic()
    while (now := progress()) < goal:
        if now != last:
            last, last_change = now, time.monotonic()
        elif time.monotonic() - last_change > 180:
            raise AssertionError(f"{what}: stuck at {now} of {goal} for 3 minutes:\n{where_it_stands(stack, client)}")
        time.sleep(2)


def where_it_stands(stack: Stack, client: redis.Redis) -> str:
    lines = [f"processes down: {[p.name for p in stack.dead()]}"]
    for svc in WORKER_SERVICES:
        waiting = count(stack, svc, "SELECT count(*) FROM event_outbox WHERE published_at IS NULL")
        lines.append(f"{svc}: {waiting} outbox rows unpublished; lease pid {lease_holder_pid(client, svc)}")
        stream = f"hotline:events:{svc}"
        if client.exists(stream):
            for group in client.xinfo_groups(stream):
                lines.append(
                    f"  {stream} group {group['name'].decode()}: pending {group['pending']}, lag {group.get('lag')}"
                )
    dead_letters = {key.decode(): client.xlen(key) for key in client.scan_iter("hotline:dlq:*")}
    lines.append(f"dead letters: {dead_letters}")
    for name, proc in stack.processes.items():
        if "worker" in name:
            errors = [line for line in proc.tail(400).splitlines() if "error" in line.lower()][-3:]
            lines += [f"  {name}: {line[:300]}" for line in errors]
    return "\n".join(lines)


def _assert_no_dead_letters(client: redis.Redis) -> None:
    parked = {key.decode(): client.xlen(key) for key in client.scan_iter("hotline:dlq:*")}
    assert not any(parked.values()), parked


def test_the_public_rate_limit_is_one_budget_across_gateway_replicas(replicated: Stack) -> None:
    replicated.ensure_running(timeout=300)
    assert replicated.balancer is not None
    gateway_pool = next(p for p in replicated.balancer.pools if p.name == "gateway")
    before = dict(gateway_pool.connections)
    codes = []
    started = time.monotonic()
    for _ in range(10):
        with httpx.Client(base_url=replicated.gateway_url, timeout=30) as client:
            codes.append(client.get("/api/v1/public/board").status_code)
    elapsed = time.monotonic() - started
    spread = {u: n - before.get(u, 0) for u, n in gateway_pool.connections.items()}
    assert len(spread) == 2, spread
    assert all(n >= 3 for n in spread.values()), spread
    assert set(codes) <= {200, 429}
    # One budget in Redis: one answer per minute that passed. A limiter per replica would have
    # let the first request on each replica through.
    assert codes[0] == 200
    assert codes.count(200) <= 1 + int(elapsed // 60), (codes, elapsed)


def test_one_idempotency_key_sent_to_every_replica_at_once_makes_one_case(replicated: Stack) -> None:
    replicated.ensure_running(timeout=300)
    key = str(uuid.uuid4())
    body = {
        "channel": "phone",
        "category": "complaint",
        "topic_code": "CG-SRHJ-ZDJY",
        "description": "小区门口长期占道经营，晚上噪音很大",
        "caller": {"name": "张三", "phone": fresh_phone()},
        "location": {"district_code": "D01", "street_code": "D01-S01", "community_code": "D01-S01-C01"},
    }
    headers = {**replicated.auth("operator"), "Idempotency-Key": key}
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(
            pool.map(lambda _: post_until_answered(replicated.gateway_url, "/api/v1/cases", body, headers), range(6))
        )
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["case_no"] for a in answers}) == 1
    assert count(replicated, "intake", "SELECT count(*) FROM idempotency_keys WHERE key = :k", k=key) == 1

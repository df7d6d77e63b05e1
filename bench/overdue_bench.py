"""Overdue query and timer sweep at 100,000 and 1,000,000 orders, on SQLite and/or PostgreSQL.

    uv run python bench/overdue_bench.py --sqlite
    uv run python bench/overdue_bench.py --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/postgres
    uv run python bench/overdue_bench.py --sqlite --orders 20000,200000 --samples 50   # quick run

Each size gets a fresh database with dispatch's real migrations (tables and indexes). Orders are
bulk loaded into `supervision_orders` with a realistic mix: ~94.5 % finished over five years of
history, ~4.5 % open and not late, 1 % overdue, 0.05 % with a timer due right now; 300 units of
skewed size, 16 districts of 12 streets, 200 topics. Timings go through the same code the API and
the worker run (`supervision.service.overdue_rows`, `supervision.timers.sweep`), each call in its
own transaction. The sizes are measured side by side, call by call, so that other work on a shared
machine slows them alike and the growth ratio stays meaningful.

Printed: p50/p95 per query at each size, the p95 ratio of the largest to the smallest size, the
client's CPU time per call, and the query plans at the largest size (PostgreSQL: EXPLAIN ANALYZE).
Target (issue #5): first page under 20 ms p95 at a million orders and less than 1.5x the 100,000
figure. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from dispatch.config import MIGRATIONS_DIR, DispatchSettings
from dispatch.runtime import make_runtime
from dispatch.supervision import repository, service, timers
from dispatch.supervision.models import SupervisedOrder
from dispatch.units.models import Unit
from hotline_shared.clock import SHANGHAI, ManualClock
from hotline_shared.db import Database
from hotline_shared.migrations import upgrade
from sqlalchemy import insert, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
UNITS = [f"U{i:03d}" for i in range(300)]
DISTRICTS = [f"D{i:02d}" for i in range(1, 17)]
STREETS = {d: [f"{d}-S{j:02d}" for j in range(1, 13)] for d in DISTRICTS}
TOPICS = [f"T{i:03d}" for i in range(200)]
CATEGORIES = (["complaint"] * 35 + ["help"] * 25 + ["consult"] * 20 + ["report"] * 8 + ["suggestion"] * 7
              + ["other"] * 5)  # fmt: skip
URGENCIES = ["normal"] * 95 + ["urgent"] * 3 + ["utilities"] * 2
# A few big units (a district government, the city management bureau) take most orders.
UNIT_CUM_WEIGHTS = list(itertools.accumulate(1.0 / (i + 1) ** 0.8 for i in range(len(UNITS))))

COLUMNS = [c.name for c in SupervisedOrder.__table__.columns]
# A cursor a third of the way into the overdue list (orders are 0.5 h to 30 days late).
DEEP = (NOW - timedelta(days=20), "O000500000")


# -- data ------------------------------------------------------------------------------------


DEFAULTS: dict[str, Any] = {
    "paused": False,
    "round": 0,
    "sign_due_at": None,
    "contact_due_at": None,
    "reply_due_at": None,
    "due_at": None,
    "due_kind": None,
    "warn_at": None,
    "listed_at": None,
    "next_timer_at": None,
    "sign_fired": False,
    "contact_fired": False,
    "reply_fired": False,
    "warn_fired": False,
    "listed_fired": False,
    "light": "green",
    "light_kind": None,
    "urge_level": 0,
    "updated_at": NOW,
    "version": 1,
}
INDEX = {c: i for i, c in enumerate(COLUMNS)}


def _row(rng: random.Random, n: int) -> dict[str, Any]:
    """The columns that differ from DEFAULTS (most rows are finished and need few)."""
    roll = rng.random()
    base: dict[str, Any] = {
        "order_id": f"O{n:09d}",
        "case_no": f"2026{n:011d}",
        "unit_id": rng.choices(UNITS, cum_weights=UNIT_CUM_WEIGHTS)[0],
        "role": "lead" if rng.random() < 0.9 else "co",
        "category": rng.choice(CATEGORIES),
        "urgency": rng.choice(URGENCIES),
        "topic_code": rng.choice(TOPICS),
        "district_code": rng.choice(DISTRICTS),
    }
    base["street_code"] = rng.choice(STREETS[base["district_code"]])
    base["community_code"] = f"{base['street_code']}-C{rng.randrange(1, 21):02d}"
    if roll < 0.945:  # finished: out of every partial index
        base.update(status="closed", dispatched_at=NOW - timedelta(days=rng.uniform(20, 5 * 365)))
        return base
    if roll < 0.9895:  # open, on time
        reply_due = NOW + timedelta(hours=rng.uniform(1, 15 * 24))
        warn = reply_due - timedelta(hours=rng.uniform(4, 90))
        signed = rng.random() < 0.8
        sign_due = None if signed else NOW + timedelta(hours=rng.uniform(0.2, 24))
        due, kind = (reply_due, "reply") if signed else (sign_due, "sign")
        base.update(
            status="signed" if signed else "dispatched",
            dispatched_at=NOW - timedelta(days=rng.uniform(0, 15)),
            sign_due_at=sign_due,
            reply_due_at=reply_due,
            due_at=due,
            due_kind=kind,
            warn_at=warn,
            warn_fired=warn < NOW,
            light="yellow" if warn < NOW else "green",
            listed_at=reply_due + timedelta(days=7),
            next_timer_at=min(t for t in (sign_due, warn if warn >= NOW else None, reply_due) if t is not None),
            urge_level=1 if warn < NOW else 0,
        )
        if roll > 0.989:  # 0.05 %: a timer due right now, for the sweep
            base["next_timer_at"] = NOW - timedelta(seconds=rng.uniform(1, 300))
        return base
    late_by = timedelta(hours=rng.uniform(0.5, 30 * 24))  # overdue
    reply_due = NOW - late_by
    listed = reply_due + timedelta(days=7)
    base.update(
        status="signed",
        dispatched_at=reply_due - timedelta(days=rng.uniform(1, 15)),
        reply_due_at=reply_due,
        due_at=reply_due,
        due_kind="reply",
        warn_at=reply_due - timedelta(days=1),
        listed_at=listed,
        warn_fired=True,
        reply_fired=True,
        listed_fired=listed < NOW,
        light="red",
        light_kind="reply",
        urge_level=3 if listed < NOW else 2,
        next_timer_at=None if listed < NOW else listed,
    )
    return base


def rows(start: int, stop: int, seed: int, convert: Callable[[Any], Any] = lambda v: v) -> Iterator[tuple[Any, ...]]:
    """Rows as tuples in COLUMNS order, values passed through ``convert``."""
    rng = random.Random(seed)
    template = [convert(DEFAULTS.get(c)) for c in COLUMNS]
    for n in range(start, stop):
        values = template.copy()
        for key, value in _row(rng, n).items():
            values[INDEX[key]] = convert(value)
        yield tuple(values)


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        # SQLAlchemy's SQLite storage format for AwareDateTime: UTC wall time with microseconds.
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    if isinstance(value, bool):
        return int(value)
    return value


# -- backends --------------------------------------------------------------------------------


@dataclass
class Backend:
    name: str
    url: str
    cleanup: Callable[[], None]


def sqlite_backend(directory: str | None) -> Backend:
    folder = Path(directory) if directory else Path(tempfile.mkdtemp(prefix="overdue-bench-"))
    path = folder / f"bench-{uuid.uuid4().hex[:8]}.sqlite3"
    return Backend(
        "sqlite",
        f"sqlite+aiosqlite:///{path}",
        lambda: [p.unlink(missing_ok=True) for p in folder.glob(path.name + "*")],
    )


def postgres_backend(server_url: str, keep: bool) -> Backend:
    name = f"overdue_bench_{uuid.uuid4().hex[:8]}"

    async def admin(sql: str) -> None:
        engine = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
        async with engine.connect() as conn:
            await conn.execute(text(sql))
        await engine.dispose()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)

    def cleanup() -> None:
        if not keep:
            asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    return Backend("postgresql", url, cleanup)


async def load_units(db: Database) -> None:
    async with db.transaction() as session:
        await session.execute(
            insert(Unit.__table__),
            [
                {"unit_id": u, "name": f"单位{u}", "kind": "department", "district_code": None, "phone": None,
                 "active": True, "created_at": NOW, "updated_at": NOW}
                for u in UNITS
            ],
        )  # fmt: skip


def load_sqlite(url: str, start: int, stop: int, seed: int) -> None:
    path = make_url(url).database
    assert path
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    sql = f"INSERT INTO supervision_orders ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
    batch: list[tuple[Any, ...]] = []
    for row in rows(start, stop, seed, _sqlite_value):
        batch.append(row)
        if len(batch) == 50_000:
            conn.executemany(sql, batch)
            conn.commit()
            batch.clear()
    if batch:
        conn.executemany(sql, batch)
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()


async def load_postgres(url: str, start: int, stop: int, seed: int) -> None:
    import asyncpg

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        batch: list[tuple[Any, ...]] = []
        for row in rows(start, stop, seed):
            batch.append(row)
            if len(batch) == 50_000:
                await conn.copy_records_to_table("supervision_orders", records=batch, columns=COLUMNS)
                batch.clear()
        if batch:
            await conn.copy_records_to_table("supervision_orders", records=batch, columns=COLUMNS)
        await conn.execute("VACUUM ANALYZE supervision_orders")
    finally:
        await conn.close()


# -- measurements ----------------------------------------------------------------------------

Call = Callable[[random.Random], Awaitable[object]]


@dataclass
class Figures:
    wall: list[float]  # milliseconds per call, as a client sees it
    cpu: list[float]  # this process's CPU milliseconds per call (SQLite works in-process)
    rows: list[int]  # rows the call returned (a full page is 51: the page and "is there more")

    @staticmethod
    def pct(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return ordered[max(0, round(len(ordered) * q) - 1)]

    def p50(self) -> float:
        return statistics.median(self.wall)

    def p95(self) -> float:
        return self.pct(self.wall, 0.95)

    def cpu_p50(self) -> float:
        return statistics.median(self.cpu)

    def mean_rows(self) -> float:
        return statistics.fmean(self.rows)


def queries(db: Database) -> dict[str, Call]:
    settings = DispatchSettings(database_url=db.url)
    rt = make_runtime(settings, ManualClock(NOW))

    def overdue(after: repository.Position | None = None, **filters: Any) -> Call:
        async def run(rng: random.Random) -> object:
            chosen = {k: (v(rng) if callable(v) else v) for k, v in filters.items()}
            async with db.transaction() as session:
                return await service.overdue_rows(
                    session, as_of=NOW, filters=repository.Filters(**chosen), min_hours_late=0, limit=51, after=after
                )

        return run

    async def near_due(rng: random.Random) -> object:
        async with db.transaction() as session:
            return await service.near_due_rows(
                session, as_of=NOW, within_hours=None, filters=repository.Filters(), limit=51, after=None
            )

    async def sweep_scan(rng: random.Random) -> object:
        # The sweep's own query for due timers, without locking or firing them.
        async with db.transaction() as session:
            return (await session.scalars(timers.due_query(now=NOW, batch=200))).all()

    async def idle_sweep(rng: random.Random) -> object:
        return await timers.sweep(db, rt, batch=200, now=NOW - timedelta(minutes=10))

    big_units = UNITS[:40]
    return {
        "overdue, first page": overdue(),
        "overdue, by unit": overdue(unit_id=lambda r: r.choice(big_units)),
        "overdue, by district": overdue(district_code=lambda r: r.choice(DISTRICTS)),
        "overdue, by street": overdue(street_code=lambda r: r.choice(STREETS[r.choice(DISTRICTS)])),
        "overdue, by category": overdue(category=lambda r: r.choice(CATEGORIES)),
        "overdue, urgent only": overdue(urgency="urgent"),
        "overdue, deep page": overdue(after=DEEP),
        "near-due (yellow)": near_due,
        "sweep: find due timers": sweep_scan,
        "sweep: idle run": idle_sweep,
    }


async def measure(dbs: dict[int, Database], samples: int) -> dict[int, dict[str, Figures]]:
    """Every query on every size, the sizes taking turns call by call.

    Taking turns matters on a shared machine: whatever else runs meanwhile slows both sizes alike,
    so the ratio between them stays meaningful even when the absolute figures wobble.
    """
    calls = {size: queries(db) for size, db in dbs.items()}
    names = list(next(iter(calls.values())))
    out: dict[int, dict[str, Figures]] = {size: {} for size in dbs}
    for name in names:
        rngs = {size: random.Random(7) for size in dbs}  # the same units and districts on each size
        for size in dbs:
            for _ in range(min(10, samples)):  # warm caches and the connection pool
                await calls[size][name](random.Random(1))
            out[size][name] = Figures([], [], [])
        for _ in range(samples):
            for size in dbs:
                wall, cpu = time.perf_counter(), time.process_time()
                result = await calls[size][name](rngs[size])
                out[size][name].wall.append((time.perf_counter() - wall) * 1000)
                out[size][name].cpu.append((time.process_time() - cpu) * 1000)
                out[size][name].rows.append(len(result) if isinstance(result, list) else 0)
    return out


async def plans(db: Database) -> list[tuple[str, str]]:
    """The plans of the very queries the service runs (built by the same functions)."""
    dialect = sqlite.dialect() if db.dialect == "sqlite" else postgresql.dialect()
    F = repository.Filters

    def page(**filters: Any) -> Any:
        return repository.overdue_query(as_of=NOW, filters=F(**filters), min_hours_late=0, limit=51)

    listed = {
        "overdue, first page": page(),
        "overdue, by unit": page(unit_id="U001"),
        "overdue, by district": page(district_code="D03"),
        "overdue, by street": page(street_code="D03-S04"),
        "overdue, by category": page(category="report"),
        "overdue, urgent only": page(urgency="urgent"),
        "overdue, deep page": repository.overdue_query(as_of=NOW, filters=F(), min_hours_late=0, limit=51, after=DEEP),
        "near-due (yellow)": repository.near_due_query(as_of=NOW, within_hours=None, filters=F(), limit=51),
        "near-due (within 8 h)": repository.near_due_query(as_of=NOW, within_hours=8, filters=F(), limit=51),
        "sweep: find due timers": timers.due_query(now=NOW, batch=200),
    }
    prefix = "EXPLAIN QUERY PLAN " if db.dialect == "sqlite" else "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) "
    out = []
    async with db.transaction() as session:
        for name, query in listed.items():
            compiled = query.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
            result = await session.execute(text(prefix + str(compiled)))
            lines = [" | ".join(str(c) for c in r[-1:]) for r in result]
            out.append((name, "\n      ".join(lines)))
    return out


# -- driver ----------------------------------------------------------------------------------


async def load(backend: Backend, size: int) -> None:
    upgrade(MIGRATIONS_DIR, backend.url)
    db = Database(backend.url)
    try:
        await load_units(db)
    finally:
        await db.dispose()
    started = time.perf_counter()
    if backend.name == "sqlite":
        await asyncio.to_thread(load_sqlite, backend.url, 0, size, seed=size)
    else:
        await load_postgres(backend.url, 0, size, seed=size)
    print(f"  {backend.name}: loaded {size:,} orders ({time.perf_counter() - started:.0f}s)", flush=True)


async def run_backend(backends: dict[int, Backend], samples: int) -> dict[int, dict[str, Figures]]:
    for size, backend in backends.items():
        await load(backend, size)
    dbs = {size: Database(backend.url) for size, backend in backends.items()}
    try:
        load_before = os.getloadavg()[0]
        results = await measure(dbs, samples)
        largest = max(dbs)
        print(f"\n  query plans at {largest:,} orders:")
        for name, plan in await plans(dbs[largest]):
            print(f"    {name}:\n      {plan}")
        print(f"\n  load average (1 min) before / after measuring: {load_before:.2f} / {os.getloadavg()[0]:.2f}")
    finally:
        for db in dbs.values():
            await db.dispose()
    return results


def report(name: str, results: dict[int, dict[str, Figures]]) -> None:
    sizes = sorted(results)
    small, large = sizes[0], sizes[-1]
    head = "".join(f"{f'p50 @{s:,}':>17}{f'p95 @{s:,}':>17}" for s in sizes)
    extra = "".join(f"{f'cpu50 @{s:,}':>18}{f'rows @{s:,}':>17}" for s in sizes)
    print(f"\n{name}: milliseconds per call, each in its own transaction")
    print("  (cpu50: this process's CPU time per call; rows: mean rows returned per call)")
    print(f"  {'query':<26}{head}{'p95 ratio':>11}{extra}")
    for query in results[small]:
        cells = "".join(f"{results[s][query].p50():>17.2f}{results[s][query].p95():>17.2f}" for s in sizes)
        more = "".join(f"{results[s][query].cpu_p50():>18.2f}{results[s][query].mean_rows():>17.1f}" for s in sizes)
        ratio = results[large][query].p95() / max(results[small][query].p95(), 1e-9)
        print(f"  {query:<26}{cells}{ratio:>10.2f}x{more}")
    first = results[large]["overdue, first page"].p95()
    verdict = "meets" if first < 20 and first / results[small]["overdue, first page"].p95() < 1.5 else "MISSES"
    print(f"  target (first page p95 < 20 ms at {large:,} and < 1.5x the {small:,} figure): {verdict}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--sqlite", nargs="?", const="", default=None, metavar="DIR", help="bench SQLite (files in DIR)"
    )
    parser.add_argument(
        "--postgres", metavar="URL", help="bench PostgreSQL; a scratch database is created on this server"
    )
    parser.add_argument("--orders", default="100000,1000000", help="comma-separated sizes (default 100000,1000000)")
    parser.add_argument("--samples", type=int, default=200, help="timed calls per query and size")
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
    args = parser.parse_args()
    if args.sqlite is None and not args.postgres:
        parser.error("choose --sqlite and/or --postgres URL")
    sizes = sorted({int(s) for s in args.orders.split(",") if s.strip()})
    print(f"{time.strftime('%Y-%m-%d %H:%M')} on {platform.node()}: {os.cpu_count()} CPUs, {platform.platform()}")
    makers: list[tuple[str, Callable[[], Backend]]] = []
    if args.sqlite is not None:
        makers.append(("sqlite", lambda: sqlite_backend(args.sqlite or None)))
    if args.postgres:
        makers.append(("postgresql", lambda: postgres_backend(args.postgres, args.keep)))
    for name, make in makers:
        print(f"{name}: {', '.join(f'{s:,}' for s in sizes)} orders, {args.samples} samples per query", flush=True)
        backends = {size: make() for size in sizes}  # one database per size, measured side by side
        try:
            results = asyncio.run(run_backend(backends, args.samples))
        finally:
            if not args.keep:
                for backend in backends.values():
                    backend.cleanup()
        report(name, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Pipeline throughput with 1 and with N replicas of every process: the figures docs/capacity.md uses.

Starts the embedded stack (`hotline_stack.Stack`, exactly as `hotline up --replicas N`), once per
replica count, on PostgreSQL when HOTLINE_BENCH_POSTGRES_URL is set (a server URL; each run makes
and drops its own databases), else SQLite. Stations post batches of 50 cases through the gateway
from C concurrent clients; the bench prints, per replica count:

- accepted/s: cases the gateway answered "accepted" per second (intake's write path);
- dispatched/s: cases with a work order per second, from the first post until dispatch has them all
  (the whole pipeline: intake → outbox relay → Redis → dispatch's consumer → routing → order);
- per replica: dispatched/s divided by the replica count.

The 1-replica run is the baseline of the same run on the same machine. Usage:

    HOTLINE_BENCH_POSTGRES_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/postgres \\
        uv run python bench/replicas_bench.py --cases 2000 --replicas 2 --clients 4
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from hotline_stack import Ports, Stack, StackConfig
from hotline_stack.config import SERVICES
from hotline_stack.postgres import database_url, drop_database, ensure_database
from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

BATCH = 50
UNLIMITED = {
    "GATEWAY_RATE_LIMIT_STAFF_PER_MINUTE": "1000000",
    "GATEWAY_RATE_LIMIT_BULK_PER_MINUTE": "1000000",
}


def batch(run: str, number: int) -> dict[str, Any]:
    return {
        "items": [
            {
                "client_ref": f"{run}-{number:04d}-{i:02d}",
                "channel": "station",
                "category": "help",
                "topic_code": "ZJ-WYGL-DTGZ",
                "description": "多福巷社区5号楼电梯停运，楼里有多位老人上下楼困难。",
                "caller": {"name": "王桂芳", "phone": "139" + "".join(random.choices("0123456789", k=8))},
                "location": {"district_code": "D01", "street_code": "D01-S01", "community_code": "D01-S01-C01"},
            }
            for i in range(BATCH)
        ]
    }


def dispatched(url: str, numbers: list[str]) -> int:
    async def run() -> int:
        engine = create_async_engine(url, poolclass=NullPool)
        try:
            async with engine.connect() as conn:
                sql = text("SELECT count(DISTINCT case_no) FROM work_orders WHERE case_no IN :n").bindparams(
                    bindparam("n", expanding=True)
                )
                return int((await conn.execute(sql, {"n": numbers})).scalar_one())
        finally:
            await engine.dispose()

    return asyncio.run(run())


def measure(replicas: int, *, cases: int, clients: int, server: str | None) -> dict[str, float]:
    suffix = uuid.uuid4().hex[:8]
    names = {svc: f"bench_{svc}_{suffix}" for svc in SERVICES}
    databases: dict[str, str] = {}
    if server:
        for svc, name in names.items():
            ensure_database(server, name)
            databases[svc] = database_url(server, name)
    with tempfile.TemporaryDirectory(prefix="replicas-bench-") as folder:
        stack = Stack(
            StackConfig(
                data_dir=Path(folder),
                ports=Ports.free(),
                database_urls=databases,
                env="test",
                extra_env=UNLIMITED,
                api_replicas=replicas,
                worker_replicas=replicas,
            )
        )
        try:
            stack.start(ready_timeout=600)
            station = next(k.key for k in stack.api_keys if k.station_id == "S-JD-01")
            headers = {"Authorization": f"Bearer {station}"}
            run = f"B{suffix}"
            accepted: list[str] = []

            def post(number: int) -> None:
                with httpx.Client(base_url=stack.gateway_url, timeout=120) as client:
                    response = client.post("/api/v1/cases/batch", json=batch(run, number), headers=headers)
                response.raise_for_status()
                accepted.extend(r["case"]["case_no"] for r in response.json()["results"] if r["ok"])

            started = time.monotonic()
            with ThreadPoolExecutor(max_workers=clients) as pool:
                list(pool.map(post, range(cases // BATCH)))
            accepted_s = time.monotonic() - started
            dispatch_url = stack.config.database_url("dispatch")
            while dispatched(dispatch_url, accepted) < len(accepted):
                time.sleep(0.5)
            done_s = time.monotonic() - started
        finally:
            stack.stop()
            for name in names.values() if server else ():
                drop_database(server or "", name)
    return {
        "replicas": replicas,
        "cases": len(accepted),
        "accepted_per_s": len(accepted) / accepted_s,
        "dispatched_per_s": len(accepted) / done_s,
        "per_replica": len(accepted) / done_s / replicas,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    server = os.environ.get("HOTLINE_BENCH_POSTGRES_URL")
    print(f"database: {'PostgreSQL' if server else 'SQLite'}; cores: {os.cpu_count()}; load: {os.getloadavg()}")
    rows = [measure(n, cases=args.cases, clients=args.clients, server=server) for n in sorted({1, args.replicas})]
    print(f"{'replicas':>8} {'cases':>6} {'accepted/s':>11} {'dispatched/s':>13} {'per replica':>12}")
    for row in rows:
        print(
            f"{row['replicas']:>8} {row['cases']:>6} {row['accepted_per_s']:>11.1f} "
            f"{row['dispatched_per_s']:>13.1f} {row['per_replica']:>12.1f}"
        )
    base = rows[0]["dispatched_per_s"]
    for row in rows[1:]:
        print(f"{row['replicas']} replicas vs 1: x{row['dispatched_per_s'] / base:.2f} dispatched/s")


if __name__ == "__main__":
    main()

"""A station's big spreadsheet through the client's batch import, and how fast an interrupted
import resumes, on a real embedded stack (its own, on free ports, SQLite or PostgreSQL).

    uv run python bench/import_bench.py                      # 10,000 rows, chunks of 500, SQLite
    uv run python bench/import_bench.py --rows 2000          # quicker
    uv run python bench/import_bench.py --postgres "$HOTLINE_TEST_POSTGRES_URL"

Three runs of `run_import` (the code behind `hotline-client batch import`), each on its own file:
1. a full import of N rows (2 % of them bad, refused locally or by the server): rows/s;
2. an import of another N rows stopped by Ctrl-C after half of them (a KeyboardInterrupt raised
   between two chunks, as the CLI sees it), then re-run: the time until the re-run sends its
   first new chunk (read, check, skip what the journal holds) and the time to finish;
3. a re-run of file 1 with nothing left to send: the floor under any resume (the baseline).

Rows/s counts rows checked and answered by the server (accepted or refused), end to end through
the gateway: every case is validated, numbered, written with its outbox event and dispatched by
the workers meanwhile. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

from hotline_client import HotlineClient
from hotline_client.batch.columns import COLUMNS
from hotline_client.batch.importer import run_import
from hotline_stack import Ports, Stack, StackConfig
from hotline_stack.config import SERVICES
from hotline_stack.postgres import database_url, drop_database, ensure_database
from openpyxl import Workbook

COMMUNITIES = ("D01-S01-C01",)  # the demo station S-JD-01 posts for its own street


def write_sheet(path: Path, rows: int, tag: str) -> int:
    """N rows in the template's columns; every 50th row has a bad topic, every 50th+25 a bad phone."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append([c.header for c in COLUMNS])
    bad = 0
    salt = random.randrange(10**6)
    for i in range(rows):
        topic, phone = "CG-SRHJ-ZDJY", f"13{(salt * 1000003 + i) % 10**9:09d}"
        if i % 50 == 0:
            topic, bad = "CG-NO-SUCH", bad + 1
        elif i % 50 == 25:
            phone, bad = "12345", bad + 1
        values = {
            "诉求类型": "投诉",
            "事项编码": topic,
            "标题": f"{tag}-{i:05d}",
            "诉求内容": f"第{i}号门口长期占道经营，晚上很吵（{tag}）",
            "来电人": "张三",
            "联系电话": phone,
            "区": "D01",
            "街道": "D01-S01",
            "社区": COMMUNITIES[i % len(COMMUNITIES)],
        }
        sheet.append([values.get(c.header, "") for c in COLUMNS])
    book.save(path)
    return bad


class Clock:
    """A progress sink that notes when chunks come back and can stop the import part-way."""

    def __init__(self, stop_after: int | None = None) -> None:
        self.stop_after = stop_after
        self.sent = 0
        self.started_at: float | None = None

    def started(self, *, total: int, to_send: int) -> None:
        # Called once the file is read and checked and the journal skipped: sending starts now.
        self.started_at = time.perf_counter()

    def chunk_done(self, *, sent: int, accepted: int, refused: int) -> None:
        self.sent += sent
        if self.stop_after is not None and self.sent >= self.stop_after:
            raise KeyboardInterrupt


def start_stack(postgres: str | None, data_dir: Path) -> tuple[Stack, list[str]]:
    databases: dict[str, str] = {}
    created: list[str] = []
    if postgres:
        suffix = uuid.uuid4().hex[:8]
        for svc in SERVICES:
            name = f"bench_{svc}_{suffix}"
            ensure_database(postgres, name)
            created.append(name)
            databases[svc] = database_url(postgres, name)
    stack = Stack(StackConfig(data_dir=data_dir, ports=Ports.free(), database_urls=databases, env="test"))
    stack.start(ready_timeout=600)
    return stack, created


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--chunk", type=int, default=500)
    parser.add_argument("--postgres", help="a server URL: the stack's databases are created there and dropped after")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="import-bench-") as tmp:
        work = Path(tmp)
        print(f"starting a stack ({'PostgreSQL' if args.postgres else 'SQLite'}) ...", flush=True)
        t0 = time.perf_counter()
        stack, created = start_stack(args.postgres, work / "stack")
        print(f"stack up in {time.perf_counter() - t0:.0f} s", flush=True)
        try:
            client = HotlineClient(url=stack.gateway_url, api_key=stack.api_key("station"), timeout=600)
            full, resumed = work / "full.xlsx", work / "resumed.xlsx"
            bad_full = write_sheet(full, args.rows, "BENCH" + uuid.uuid4().hex[:6])
            write_sheet(resumed, args.rows, "BENCH" + uuid.uuid4().hex[:6])

            t = time.perf_counter()
            report = run_import(client=client, path=full, chunk_size=args.chunk)
            full_s = time.perf_counter() - t
            assert report.accepted == args.rows - bad_full, report
            sent = report.sent + report.refused_local
            print(
                f"full import: {args.rows} rows in {full_s:.1f} s = {sent / full_s:.0f} rows/s "
                f"({report.accepted} accepted, {report.refused_total} refused)",
                flush=True,
            )

            half = args.rows // 2
            t = time.perf_counter()
            with contextlib.suppress(KeyboardInterrupt):
                run_import(client=client, path=resumed, chunk_size=args.chunk, progress=Clock(stop_after=half))
            first_half_s = time.perf_counter() - t
            clock = Clock()
            t = time.perf_counter()
            again = run_import(client=client, path=resumed, chunk_size=args.chunk, progress=clock)
            resume_total_s = time.perf_counter() - t
            # The work a resume does before anything new goes out: catalogue, read, check, skip the journal.
            resume_s = (clock.started_at or t) - t
            print(
                f"interrupted after {again.from_journal} rows ({first_half_s:.1f} s); re-run: "
                f"resumed in {resume_s:.2f} s (then {again.sent} rows in {resume_total_s - resume_s:.1f} s), "
                f"{again.replayed} replayed, {again.accepted} accepted in all",
                flush=True,
            )

            t = time.perf_counter()
            noop = run_import(client=client, path=full, chunk_size=args.chunk)
            noop_s = time.perf_counter() - t
            assert noop.sent == 0
            print(f"baseline, re-run with nothing to send: {noop_s:.2f} s for {args.rows} rows", flush=True)
            print()
            print(
                "| rows | chunk | import rows/s | resume (before first new chunk) | nothing-to-send re-run | machine |"
            )
            print(
                f"| {args.rows} | {args.chunk} | {sent / full_s:.0f} | {resume_s:.2f} s | {noop_s:.2f} s | "
                f"{platform.machine()} {os.cpu_count()} CPU, load {os.getloadavg()[0]:.1f}, "
                f"{'PostgreSQL' if args.postgres else 'SQLite'} |"
            )
            client.close()
        finally:
            stack.stop()
            for name in created:
                drop_database(args.postgres or "", name)


if __name__ == "__main__":
    sys.exit(main())

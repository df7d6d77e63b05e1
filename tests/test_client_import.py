"""A station's 500-row spreadsheet through the `hotline-client` command on the real stack, with
the network cut in the middle of the import: the re-run finishes it, every good row is exactly
one case, and every bad row is in FILE.errors.xlsx with what to fix."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from hotline_client import HotlineClient, calls
from hotline_client.batch.columns import COLUMNS
from hotline_stack import Stack
from openpyxl import Workbook, load_workbook

from .netfaults import FlakyProxy

CHUNK = 50
ANSWERED = 4  # chunks answered before the cut
ROWS = 500
GOOD_AREA = ("D01", "D01-S01", "D01-S01-C01")  # the area of the demo station S-JD-01

# What a station gets wrong, one kind every 50 rows: the first four are caught before sending,
# the last two only by the server (a phone that cannot be called back, digits in a name).
BAD_KINDS: dict[int, tuple[str, str]] = {
    3: ("description", "诉求内容"),
    11: ("topic", "事项编码"),
    19: ("category", "诉求类型"),
    27: ("area", "社区"),
    35: ("phone", "联系电话"),
    43: ("name", "来电人"),
}


def row_for(i: int, token: str) -> list[str]:
    """One spreadsheet row in template column order; bad in one known way when i % 50 is a BAD_KINDS key."""
    kind = BAD_KINDS.get(i % 50, (None, ""))[0]
    values = {
        "编号": "",
        "渠道": "社区服务站",
        "诉求类型": "投诉" if kind != "category" else "投拆",
        "事项编码": "CG-SRHJ-ZDJY" if kind != "topic" else "CG-NO-SUCH",
        "标题": f"{token}-{i:04d}",
        "诉求内容": f"第{i}号楼门口长期占道经营，晚上很吵（{token}）" if kind != "description" else "吵",
        "来电人": "张三" if kind != "name" else "张3",
        "联系电话": f"139{(i * 7919 + hash(token)) % 10**8:08d}" if kind != "phone" else "12345",
        "保密": "否",
        "区": GOOD_AREA[0],
        "街道": GOOD_AREA[1] if kind != "area" else "D03-S01",
        "社区": GOOD_AREA[2],
        "网格": "",
        "详细地址": f"多福巷{i}号",
        "紧急程度": "一般",
    }
    return [values[c.header] for c in COLUMNS]


def write_xlsx(path: Path, token: str, rows: int = ROWS) -> tuple[set[int], set[int]]:
    """The file, plus the Excel row numbers of the good rows and of the bad rows."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([c.header for c in COLUMNS])
    good, bad = set(), set()
    for i in range(rows):
        sheet.append(row_for(i, token))
        (bad if i % 50 in BAD_KINDS else good).add(i + 2)
    book.save(path)
    return good, bad


def cli(url: str, key: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hotline_client", "--url", url, "--api-key", key, *args],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **FAST_RETRIES, **(env or {})},
    )


# Few, short retries: the cut must end the first run soon, not after minutes of backoff.
# A long timeout: on a busy CI machine a 100-case batch may take a while, and only the proxy's
# cut may end the first run.
FAST_RETRIES = {
    "HOTLINE_CLIENT_RETRIES": "4",
    "HOTLINE_CLIENT_BACKOFF_MAX": "2",
    "HOTLINE_CLIENT_TIMEOUT": "300",
    "COLUMNS": "160",
}


def cases_titled(stack: Stack, token: str) -> dict[str, list[str]]:
    """Title -> case numbers of the station's cases from this test (the title carries the token)."""
    out: dict[str, list[str]] = {}
    with HotlineClient(url=stack.gateway_url, api_key=stack.api_key("station")) as client:
        for case in client.iterate(calls.list_cases(limit=200, q=token)):
            if case.title and case.title.startswith(token):
                out.setdefault(case.title, []).append(case.case_no)
    return out


def journal_lines(path: Path) -> list[dict[str, Any]]:
    journal = path.with_name(path.name + ".journal.jsonl")
    return [json.loads(line) for line in journal.read_text(encoding="utf-8").splitlines()] if journal.exists() else []


@pytest.mark.slow
@pytest.mark.timeout(1200)  # 500 cases and three runs of the command: minutes on a loaded 2-core machine
def test_a_cut_import_resumes_and_every_good_row_is_exactly_one_case(stack: Stack, tmp_path: Path) -> None:
    token = "IMP" + uuid.uuid4().hex[:8].upper()
    sheet = tmp_path / "街道批量.xlsx"
    good_rows, bad_rows = write_xlsx(sheet, token)
    key = stack.api_key("station")

    with FlakyProxy(stack.gateway_url) as proxy:
        # Four chunks are answered; the fifth reaches the server but its answer never comes back.
        proxy.cut_after_answers(ANSWERED, b"POST /api/v1/cases/batch")
        first = cli(proxy.url, key, "batch", "import", str(sheet), "--chunk", str(CHUNK))
        assert first.returncode == 4, first.stdout + first.stderr
        assert "重新运行同一命令" in first.stderr
        assert proxy.dropped >= 1
        answered = journal_lines(sheet)
        # The answered chunks are journaled (less any row the server called busy): what the client
        # knows, never the cut chunk it did not hear about.
        assert 0 < len(answered) <= ANSWERED * CHUNK
        assert not (sheet.with_name(sheet.stem + ".errors.xlsx")).exists()

        proxy.pass_through()
        second = cli(proxy.url, key, "--json", "batch", "import", str(sheet), "--chunk", str(CHUNK))
    assert second.returncode == 1, second.stdout + second.stderr  # finished, with refused rows
    report = json.loads(second.stdout)
    assert report["rows"] == ROWS
    assert report["accepted"] == len(good_rows)
    assert report["refused"] == len(bad_rows)
    assert report["refused_locally"] == 40
    assert report["refused_by_server"] == 20
    assert report["from_journal"] == len(answered)  # what the first run heard of is not sent again
    assert report["unanswered"] == 0
    # The cut chunk had been registered: the server recognised it instead of registering it again.
    assert report["replayed"] >= CHUNK - 10

    titles = cases_titled(stack, token)
    good_titles = {f"{token}-{r - 2:04d}" for r in good_rows}
    assert set(titles) == good_titles
    assert all(len(numbers) == 1 for numbers in titles.values()), "a row became more than one case"

    book = load_workbook(sheet.with_name(sheet.stem + ".errors.xlsx"), read_only=True)
    refused = list(book.worksheets[0].iter_rows(values_only=True))
    assert refused[0][:2] == ("原行号", "需要修改")
    by_row = {int(r[0]): str(r[1]) for r in refused[1:]}  # type: ignore[arg-type]
    assert set(by_row) == bad_rows
    for row_no, message in by_row.items():
        column = BAD_KINDS[(row_no - 2) % 50][1]
        assert f"「{column}」" in message, (row_no, message)

    # A third run sends nothing and changes nothing.
    third = cli(stack.gateway_url, key, "--json", "batch", "import", str(sheet))
    assert json.loads(third.stdout)["sent_this_run"] == 0
    assert cases_titled(stack, token) == titles


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_ctrl_c_during_an_import_loses_nothing(stack: Stack, tmp_path: Path) -> None:
    token = "INT" + uuid.uuid4().hex[:8].upper()
    sheet = tmp_path / "夜间批量.xlsx"
    good_rows, _bad = write_xlsx(sheet, token, rows=150)
    key = stack.api_key("station")
    env = {**os.environ, **FAST_RETRIES}
    process = subprocess.Popen(
        [sys.executable, "-m", "hotline_client", "--url", stack.gateway_url, "--api-key", key,
         "batch", "import", str(sheet), "--chunk", "10"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while len(journal_lines(sheet)) < 25 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "重新运行同一命令" in err
    assert 0 < len(journal_lines(sheet)) < len(good_rows)

    again = cli(stack.gateway_url, key, "--json", "batch", "import", str(sheet), "--chunk", "100")
    assert again.returncode == 1, again.stderr
    assert json.loads(again.stdout)["accepted"] == len(good_rows)
    titles = cases_titled(stack, token)
    assert len(titles) == len(good_rows)
    assert all(len(numbers) == 1 for numbers in titles.values())

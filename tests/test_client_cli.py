"""The README's client walkthrough on the real stack: `hotline-client` takes a wage complaint from
the call through sign, contact, extension, reply, an unsatisfied callback and re-handling, and the
supervisors' commands answer; each step is checked on what the command printed (--json)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hotline_stack import Stack
from openpyxl import load_workbook

from .helpers import fresh_phone, key_for, wait_for

RS = "U-RS-001"  # 人社局: wage complaints (LD-*) go there by the demo routing rule


def run(stack: Stack, key: str, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "hotline_client", "--url", stack.gateway_url, "--api-key", key, *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "200", "HOTLINE_CLIENT_TIMEOUT": "120"},
    )
    if ok:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


def as_json(stack: Stack, key: str, *args: str) -> Any:
    return json.loads(run(stack, key, "--json", *args).stdout)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_readme_flow_through_the_command_line(stack: Stack, tmp_path: Path) -> None:
    operator, supervisor = stack.api_key("operator"), stack.api_key("supervisor")
    unit = key_for(stack, unit_id=RS)["Authorization"].removeprefix("Bearer ")
    phone = fresh_phone()
    accepted = as_json(
        stack, operator, "case", "new", "--category", "投诉", "--topic", "LD-LDBZ-TQGZ", "--title", "装修公司拖欠工资",
        "--description", "我在一家装修公司工作了三个月，老板一直拖欠工资不发，请帮忙讨薪。", "--name", "李建国",
        "--phone", phone, "--district", "D03", "--street", "D03-S01", "--community", "D03-S01-C01",
    )  # fmt: skip
    assert accepted["status"] == "received"
    case = accepted["case_no"]

    def my_order() -> dict[str, Any] | None:
        inbox = as_json(stack, unit, "orders", "inbox", "--status", "dispatched", "--limit", "1000")
        return next((o for o in inbox if o["case_no"] == case), None)

    # Each probe is a whole command run; on a loaded machine dispatch and the probes both take a while.
    order = wait_for("the order in 人社局's inbox", my_order, timeout=300, every=2)
    assert order["status"] == "dispatched"
    table = run(stack, unit, "orders", "inbox", "--limit", "1000").stdout
    assert case in table
    assert "待签收" in table

    order_id = order["order_id"]
    assert as_json(stack, unit, "orders", "sign", order_id)["status"] == "signed"
    assert as_json(stack, unit, "orders", "contact", order_id, "--note", "已电话联系")["status"] == "contacted"
    ext = as_json(stack, unit, "extension", "request", order_id, "--days", "5", "--reason", "需要调取用工记录")
    assert ext["status"] == "pending"
    decided = as_json(stack, supervisor, "extension", "decide", str(ext["extension_id"]), "--approve")
    assert decided["status"] == "approved"
    assert decided["reply_due_at_after"] > decided["reply_due_at_before"]
    replied = as_json(stack, unit, "orders", "reply", order_id, "--result", "已约谈公司负责人。", "--not-solved")
    assert replied["status"] == "awaiting_callback"

    def due() -> dict[str, Any] | None:
        return next((c for c in as_json(stack, operator, "callbacks", "due") if c["case_no"] == case), None)

    callback = wait_for("the callback to be due", due, timeout=300, every=2)
    assert callback["caller_phone"] == phone  # the operator needs the number to call back
    recorded = as_json(
        stack, operator, "callback", "record", case, "--satisfaction", "不满意", "--not-solved", "--unit-at-fault"
    )
    assert recorded["closed"] is False

    def reopened_order() -> dict[str, Any] | None:
        shown: dict[str, Any] = as_json(stack, unit, "orders", "show", order_id)
        return shown if shown["status"] == "reopened" else None

    reopened = wait_for("the order to be reopened", reopened_order, timeout=300, every=2)
    assert reopened["rehandle_count"] == 1

    steps = [e["type"] for e in as_json(stack, operator, "case", "timeline", case)["timeline"]]
    assert steps[0] == "case.received"
    assert "order.extension_decided" in steps
    shown = run(stack, operator, "case", "show", case).stdout
    assert case in shown
    assert "拖欠工资" in shown

    # Supervisors: an urge, the lists, the ranking and an export that opens in Excel.
    urged = as_json(stack, supervisor, "urge", order_id, "--level", "督办", "--note", "请加快办理")
    assert urged["level"] == "supervise"
    late = as_json(stack, supervisor, "overdue", "--as-of", "2099-01-01T00:00:00+08:00", "--unit", RS, "--limit", "500")
    assert order_id in {r["order_id"] for r in late}
    assert all(r["hours_late"] > 0 for r in late)
    assert isinstance(as_json(stack, supervisor, "near-due", "--within-hours", "48"), list)
    month = as_json(stack, supervisor, "rankings", "--month", accepted["received_at"][:7])
    assert any(u["unit_id"] == RS for u in month["units"])
    target = tmp_path / "overdue.xlsx"
    run(stack, supervisor, "export", "overdue", "-o", str(target))
    assert load_workbook(target).worksheets[0].max_row >= 1

    # What a person gets wrong is a clear message and exit code 3, not a traceback.
    refused = run(stack, operator, "case", "new", "--category", "投诉", "--topic", "NO-SUCH", "--description", "吵",
                  "--district", "D01", "--name", "张三", "--phone", "12345", ok=False)  # fmt: skip
    assert refused.returncode == 3
    assert "body.description" in refused.stderr
    assert "Traceback" not in refused.stderr
    missing = run(stack, operator, "case", "show", "20990101-000001", ok=False)
    assert missing.returncode == 3
    assert "404" in missing.stderr

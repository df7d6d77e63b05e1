"""Issue 19: no lookup code, phone or caller name reaches any service's log, on the real stack.

httpx logged every upstream URL at INFO, so the gateway's log held `…/public/cases/<no>?code=<code>`
and the staff searches by phone or name. This test does what a citizen and an operator do, with
data of its own, then reads every log file of the stack.
"""

from __future__ import annotations

import random
import time
import uuid

import httpx
from hotline_stack import Stack

from .helpers import case_body, public_case, register


def test_regression_no_lookup_code_phone_or_name_in_any_log(stack: Stack, gateway: httpx.Client) -> None:
    name = "慕容" + random.choice("雪晴云飞") + random.choice("涵若琳轩")
    body = case_body()
    body["caller"]["name"] = name
    body["description"] = f"{name}反映小区门口占道经营"
    phone = body["caller"]["phone"]
    answer = register(gateway, stack, body)
    case_no, code = answer["case_no"], answer["lookup_code"]
    public_case(gateway, stack, case_no, code)  # the citizen's lookup, through the gateway
    page = gateway.get("/track", params={"case_no": case_no, "code": code})
    assert page.status_code == 200
    for term in (phone, name):
        found = gateway.get("/api/v1/cases", params={"q": term}, headers=stack.auth("operator"))
        assert found.status_code == 200, found.text
    # A non-ASCII header byte on a forwarded route, so its log lines are scanned too.
    odd = gateway.get(
        "/api/v1/public/board", headers=[(b"X-A", b"caf\xc3\xa9"), (b"X-Trace", uuid.uuid4().hex.encode())]
    )
    assert odd.status_code == 200, odd.text
    time.sleep(1)  # let the processes flush their last lines
    logs = sorted((stack.config.data_dir / "logs").glob("*.log"))
    assert logs, "the stack wrote no logs"
    leaks = []
    for path in logs:
        text = path.read_text(encoding="utf-8", errors="replace")
        for label, secret in (("lookup code", code), ("phone", phone), ("caller name", name)):
            if secret in text:
                line = next(ln for ln in text.splitlines() if secret in ln)
                leaks.append(f"{path.name}: {label} in {line[:200]}")
    assert not leaks, "\n".join(leaks)

"""Redis comes back empty (its data folder lost) while cases are in flight: none is lost.

The dispatch worker is down, so intake's events for these cases sit published but unconsumed in
the stream when Valkey loses everything. Nobody touches the outbox by hand: the intake relay must
notice the loss and publish them again, and each case must get exactly one lead order.
"""

from __future__ import annotations

import time

import httpx
from hotline_stack import Stack

from .helpers import orders_for, register, wait_for


def test_every_accepted_case_is_dispatched_once_after_redis_lost_its_data(
    live_stack: Stack, gateway: httpx.Client
) -> None:
    live_stack.kill("dispatch-worker")
    try:
        cases = [register(gateway, live_stack)["case_no"] for _ in range(5)]
        intake_metrics = httpx.get(f"{live_stack.urls['intake']}/metrics", timeout=10).text
        wait_for("intake's relay to publish them", lambda: _unpublished(live_stack) == 0, timeout=30)
        live_stack.redis_restart(kill=True, wipe=True)
    finally:
        live_stack.restart("dispatch-worker")
    assert "hotline_stream_data_loss_detections{" not in intake_metrics
    started = time.monotonic()

    def lead_orders() -> dict[str, int] | None:
        counts = {c: sum(o["role"] == "lead" for o in orders_for(gateway, live_stack, c)) for c in cases}
        return counts if all(counts.values()) else None

    try:
        counts = wait_for("an order for every case accepted before the loss", lead_orders, timeout=60, every=1.0)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{_log_tails(live_stack)}") from None
    assert time.monotonic() - started < 60
    assert counts == dict.fromkeys(cases, 1)
    time.sleep(2)  # late duplicates would show up now
    assert lead_orders() == dict.fromkeys(cases, 1)
    metrics = httpx.get(f"{live_stack.urls['intake']}/metrics", timeout=10).text
    assert 'hotline_stream_data_loss_detections{service="intake"} 1.0' in metrics
    live_stack.wait_ready()


def _unpublished(stack: Stack) -> float:
    text = httpx.get(f"{stack.urls['intake']}/metrics", timeout=10).text
    for line in text.splitlines():
        if line.startswith("hotline_outbox_unpublished{"):
            return float(line.rsplit(" ", 1)[1])
    return -1.0


def _log_tails(stack: Stack) -> str:
    logs = stack.config.data_dir / "logs"
    return "\n".join(
        f"--- {name}\n" + "\n".join((logs / f"{name}.log").read_text(errors="replace").splitlines()[-25:])
        for name in ("intake-worker", "dispatch-worker")
        if (logs / f"{name}.log").exists()
    )

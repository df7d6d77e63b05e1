"""`hotline up --replicas N`: N copies of every API behind the local balancer, N of every worker.

Runs the stack's supervision against the fake service (see fake_service.py), so it is quick; the
real services with replicas are exercised in tests/test_replicas.py.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import httpx
import pytest
from hotline_stack.config import SERVICES, WORKER_SERVICES, StackConfig
from hotline_stack.stack import CONSOLE, Stack, parse_name, process_names


def pids_seen(url: str, requests: int) -> set[int]:
    """Which processes answered `requests` calls, each on a fresh connection (as new clients are)."""
    seen: set[int] = set()
    for _ in range(requests):
        with httpx.Client(timeout=5) as client:
            seen.add(client.get(f"{url}/readyz").json()["pid"])
    return seen


@pytest.fixture
def replicated(fake_config: StackConfig) -> Iterator[Stack]:
    stack = Stack(dataclasses.replace(fake_config, api_replicas=3, worker_replicas=2))
    stack.start(ready_timeout=30)
    try:
        yield stack
    finally:
        stack.stop()


def test_every_api_and_worker_runs_as_many_copies_as_asked(replicated: Stack) -> None:
    names = set(replicated.processes)
    assert names == set(process_names(3, 2))
    for svc in SERVICES:
        assert len(replicated.replicas(svc, "api")) == 3
    for svc in WORKER_SERVICES:
        assert replicated.replicas(svc, "worker") == [f"{svc}-worker", f"{svc}-worker-2"]
    assert all(p.alive() for p in replicated.processes.values())
    # Each copy is its own process on its own port; the state file tells `hotline status` where.
    assert len({p.pid for p in replicated.processes.values()}) == len(names)
    assert len(set(replicated.replica_ports.values())) == 3 * len(SERVICES)
    # The console runs once whatever the replica count, so it has no replica port.
    assert set(replicated.state()["replica_urls"]) == {
        n for n in names if parse_name(n)[1] == "api" and parse_name(n)[0] != CONSOLE
    }


def test_the_service_port_spreads_new_connections_over_every_replica(replicated: Stack) -> None:
    for svc in SERVICES:
        expected = {replicated.processes[n].pid for n in replicated.replicas(svc, "api")}
        assert pids_seen(replicated.urls[svc], 9) == expected


def test_a_killed_replica_is_skipped_and_a_restarted_one_serves_again(replicated: Stack) -> None:
    victim = "intake-api-2"
    replicated.kill(victim)
    survivors = {replicated.processes[n].pid for n in ("intake-api", "intake-api-3")}
    # Every new client still gets an answer, only from the survivors.
    assert pids_seen(replicated.urls["intake"], 12) == survivors
    replicated.ensure_running(timeout=30)
    assert replicated.processes[victim].alive()
    assert replicated.processes[victim].pid in pids_seen(replicated.urls["intake"], 9)


def test_replica_counts_out_of_range_are_refused(fake_config: StackConfig) -> None:
    with pytest.raises(ValueError, match="api_replicas must be between 1 and 8"):
        dataclasses.replace(fake_config, api_replicas=0)
    with pytest.raises(ValueError, match="worker_replicas must be between 1 and 8"):
        dataclasses.replace(fake_config, worker_replicas=9)


def test_one_replica_keeps_the_plain_names_and_no_balancer(fake_config: StackConfig) -> None:
    stack = Stack(fake_config)
    stack.start(ready_timeout=30)
    try:
        assert set(stack.processes) == set(process_names())
        assert "intake-api" in stack.processes
        assert stack.balancer is None
        assert stack.replica_ports == {}
    finally:
        stack.stop()

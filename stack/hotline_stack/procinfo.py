"""Reading /proc: is a pid still running, what did a process spawn (status command, tests)."""

from __future__ import annotations

import os
import time
from pathlib import Path


def pid_alive(pid: int | None) -> bool:
    return bool(pid) and not pid_gone(int(pid or 0))


def pid_gone(pid: int) -> bool:
    """True when the process no longer runs (a zombie waiting for its reaper counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")


def wait_gone(pids: list[int], timeout: float = 10.0) -> list[int]:
    """Wait for every pid to be gone; return those still running after `timeout`."""
    deadline = time.monotonic() + timeout
    alive = list(pids)
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if not pid_gone(p)]
        if alive:
            time.sleep(0.05)
    return alive


def children_of(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(x) for x in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def descendants_of(pid: int) -> list[int]:
    out: list[int] = []
    todo = children_of(pid)
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children_of(p)
    return out


def process_group(pid: int) -> int:
    return os.getpgid(pid)

"""Loopback ports: whether one is taken (`hotline up` checks before starting), and free ones for test servers.

Ports come from below the kernel's ephemeral range. A port the kernel hands out for `bind(0)` lies
inside that range, and between picking it and the server binding it, any outgoing connection
(a worker to Valkey, an API to PostgreSQL) may get it as its source port: the server then fails
with "address already in use". Below the range only a listener can hold a port, and we check that.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

_FLOOR = 20000
_EPHEMERAL_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_rng = random.SystemRandom()


def ephemeral_port_floor() -> int:
    """The lowest port the kernel may pick as a connection's source port (Linux; 32768 elsewhere)."""
    try:
        return int(_EPHEMERAL_RANGE_FILE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def port_in_use(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return True
    return False


def free_port_block(size: int = 10, attempts: int = 200) -> int:
    """A base port with `size` consecutive free ports from it (for `--port-base` in tests)."""
    ceiling = ephemeral_port_floor() - size
    if ceiling <= _FLOOR:
        # An unusual kernel setting leaves no room below the range; take what is above it.
        ceiling = 65535 - size
    for _ in range(attempts):
        base = _rng.randrange(_FLOOR, ceiling)
        if not any(port_in_use("127.0.0.1", p) for p in range(base, base + size)):
            return base
    raise RuntimeError(f"no block of {size} free ports found")


def free_ports(n: int) -> list[int]:
    """`n` distinct free ports."""
    chosen: list[int] = []
    while len(chosen) < n:
        port = free_port_block(1)
        if port not in chosen:
            chosen.append(port)
    return chosen


def free_port() -> int:
    return free_port_block(1)

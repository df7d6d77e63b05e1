"""A small TCP round-robin balancer for API replicas on one machine (`hotline up --api-replicas N`).

In production a Kubernetes Service or the nginx edge spreads connections over replicas; on a laptop
this plays that part, so the gateway and the clients keep talking to one port per service whatever
the replica count. It balances connections, not requests (as kube-proxy does): a keep-alive client
stays on one replica, and the gateway's pooled client, with many connections, spreads over all.

A replica that refuses the connection (killed, restarting) is skipped for the next one, so a crash
costs the requests in flight on it, never the new ones. It runs on its own thread and event loop
inside the `hotline` process: one process fewer per service on a two-core laptop.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

CONNECT_TIMEOUT_S = 2.0
_CHUNK = 64 * 1024


@dataclass
class Pool:
    """One listening port in front of several upstream ports."""

    name: str
    listen: tuple[str, int]
    upstreams: list[tuple[str, int]]
    connections: dict[tuple[str, int], int] = field(default_factory=dict)
    _turn: itertools.count[int] = field(default_factory=itertools.count)

    def order(self) -> list[tuple[str, int]]:
        """Every upstream once, starting with the next in turn."""
        start = next(self._turn) % len(self.upstreams)
        return self.upstreams[start:] + self.upstreams[:start]


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(_CHUNK):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except (ConnectionError, OSError):
        pass


async def _close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    with contextlib.suppress(ConnectionError, OSError):
        await writer.wait_closed()


class Balancer:
    """Runs every pool on one background thread; `start()` returns once all ports listen."""

    def __init__(self, pools: Sequence[Pool]) -> None:
        self.pools = list(pools)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._servers: list[asyncio.Server] = []
        self._started = threading.Event()
        self._error: BaseException | None = None

    def start(self, timeout: float = 10.0) -> None:
        self._thread = threading.Thread(target=self._run, name="hotline-balancer", daemon=True)
        self._thread.start()
        if not self._started.wait(timeout):
            raise RuntimeError("the local balancer did not start listening in time")
        if self._error is not None:
            raise RuntimeError(f"the local balancer could not listen: {self._error}") from self._error

    def stop(self) -> None:
        loop = self._loop
        if loop is None or self._thread is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(timeout=5)
        self._loop = None
        self._thread = None

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            for pool in self.pools:
                server = loop.run_until_complete(
                    asyncio.start_server(functools.partial(self._serve, pool), *pool.listen, reuse_address=True)
                )
                self._servers.append(server)
        except OSError as exc:
            self._error = exc
            self._started.set()
            loop.close()
            return
        self._started.set()
        try:
            loop.run_forever()
        finally:
            for server in self._servers:
                server.close()
            for task in asyncio.all_tasks(loop):
                task.cancel()
            with contextlib.suppress(RuntimeError):
                loop.run_until_complete(asyncio.sleep(0))
            loop.close()

    async def _serve(self, pool: Pool, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        for host, port in pool.order():
            try:
                upstream = await asyncio.wait_for(asyncio.open_connection(host, port), CONNECT_TIMEOUT_S)
            except (OSError, TimeoutError):
                continue
            pool.connections[(host, port)] = pool.connections.get((host, port), 0) + 1
            break
        if upstream is None:
            # No replica accepts: closing at once lets the client (the gateway) answer 503 quickly.
            await _close(client_w)
            return
        up_r, up_w = upstream
        try:
            await asyncio.gather(_pipe(client_r, up_w), _pipe(up_r, client_w))
        finally:
            await _close(up_w)
            await _close(client_w)

"""A small TCP proxy between a client under test and the gateway, that can break the network.

Runs its own asyncio loop in a thread. Modes (switch any time):
- pass-through;
- `cut_after_answers(n, marker)`: the first n requests whose start holds `marker` that the
  gateway answers 200 reach the client; from then on, such requests still go to the gateway (so
  the server does the work) but the connection is dropped before the 200 reaches the client,
  which is the worst case for a client: it cannot know whether the write happened. Other answers
  (a 504 from a slow machine) pass, so the count is the client's successes, not its attempts;
- `unavailable(n, retry_after)`: the next n requests get a 503 with Retry-After, as an edge
  proxy (nginx) answers while the service behind it restarts.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from urllib.parse import urlsplit


class FlakyProxy:
    def __init__(self, upstream_url: str) -> None:
        parts = urlsplit(upstream_url)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.marker: bytes | None = None
        self.answers_allowed: int | None = None
        self.answered = 0
        self.unavailable_left = 0
        self.retry_after = 1
        self.refused_503 = 0
        self.dropped = 0
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.base_events.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        self._sock = sock

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> FlakyProxy:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        future.result(timeout=10)
        return self

    def __exit__(self, *exc: object) -> None:
        async def stop() -> None:
            if self._server is not None:
                self._server.close()
            others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in others:
                task.cancel()
            await asyncio.gather(*others, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    # --- modes

    def pass_through(self) -> None:
        self.answers_allowed = None
        self.unavailable_left = 0

    def cut_after_answers(self, n: int, marker: bytes) -> None:
        self.marker, self.answers_allowed, self.answered = marker, n, 0

    def unavailable(self, n: int, retry_after: int = 1) -> None:
        self.unavailable_left, self.retry_after = n, retry_after

    # --- the proxy

    async def _start(self) -> None:
        self._sock.listen(100)
        self._server = await asyncio.start_server(self._handle, sock=self._sock)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            first = await reader.read(65536)
            if not first:
                return
            if self.unavailable_left > 0:
                self.unavailable_left -= 1
                self.refused_503 += 1
                body = b'{"type":"about:blank","title":"Service Unavailable","status":503,"detail":"restarting"}'
                writer.write(
                    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/problem+json\r\n"
                    + f"Retry-After: {self.retry_after}\r\nContent-Length: {len(body)}\r\n".encode()
                    + b"Connection: close\r\n\r\n"
                    + body
                )
                await writer.drain()
                return
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
            try:
                await self._pipe(first, reader, writer, up_reader, up_writer)
            finally:
                up_writer.close()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    async def _pipe(
        self,
        first: bytes,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        up_reader: asyncio.StreamReader,
        up_writer: asyncio.StreamWriter,
    ) -> None:
        # Whether the request now on this (keep-alive) connection is one of those being counted.
        marked = [False]

        async def upward(data: bytes) -> None:
            while data:
                if data[:8].split(b" ")[0] in (b"GET", b"POST", b"PUT", b"PATCH", b"DELETE"):
                    marked[0] = bool(self.marker) and self.marker in data[:200]  # type: ignore[operator]
                up_writer.write(data)
                await up_writer.drain()
                data = await reader.read(65536)

        task = asyncio.create_task(upward(first))
        try:
            while True:
                data = await up_reader.read(65536)
                if not data:
                    return
                if marked[0] and self.answers_allowed is not None and data.startswith(b"HTTP/1.1 200"):
                    if self.answered >= self.answers_allowed:
                        # The gateway did the work and answers; the client never hears it.
                        self.dropped += 1
                        return
                    self.answered += 1
                writer.write(data)
                await writer.drain()
        finally:
            task.cancel()


def wait_port(port: int, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.05)
    raise AssertionError(f"nothing listens on {port}")

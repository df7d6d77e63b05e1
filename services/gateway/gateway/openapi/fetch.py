"""Fetch and cache each service's OpenAPI document; a service that is down is simply left out."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import structlog

log = structlog.get_logger("openapi")


class OpenApiCache:
    def __init__(self, *, client: httpx.AsyncClient, urls: dict[str, str], ttl_s: float) -> None:
        self._client = client
        self._urls = urls
        self._ttl = ttl_s
        self._docs: dict[str, tuple[float, dict[str, Any]]] = {}
        self._lock = asyncio.Lock()

    async def _fetch(self, service: str) -> dict[str, Any] | None:
        try:
            response = await self._client.get(f"{self._urls[service]}/openapi.json", timeout=3.0)
            response.raise_for_status()
            doc = response.json()
            return doc if isinstance(doc, dict) else None
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("openapi_fetch_failed", service=service, error=type(exc).__name__)
            return None

    async def documents(self) -> dict[str, dict[str, Any] | None]:
        """Fresh documents where possible; the last good one while a service is down."""
        async with self._lock:
            now = time.monotonic()
            stale = [s for s in self._urls if s not in self._docs or now - self._docs[s][0] > self._ttl]
            fetched = await asyncio.gather(*(self._fetch(s) for s in stale))
            for service, doc in zip(stale, fetched, strict=True):
                if doc is not None:
                    self._docs[service] = (now, doc)
            return {s: (self._docs[s][1] if s in self._docs else None) for s in self._urls}

"""The one pooled httpx client the gateway uses to talk to every service."""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from ..config import GatewaySettings


def make_client(
    settings: GatewaySettings, transports: Mapping[str, httpx.AsyncBaseTransport] | None = None
) -> httpx.AsyncClient:
    """`transports` (service name → transport) exists for tests that run the services in-process."""
    mounts: dict[str, httpx.AsyncBaseTransport | None] = {}
    urls = settings.upstream_urls()
    for service, transport in (transports or {}).items():
        url = httpx.URL(urls[service])
        mounts[f"all://{url.netloc.decode()}"] = transport
    return httpx.AsyncClient(
        timeout=httpx.Timeout(
            connect=settings.connect_timeout_s,
            read=settings.read_timeout_s,
            write=settings.write_timeout_s,
            pool=settings.pool_timeout_s,
        ),
        limits=httpx.Limits(
            max_connections=settings.max_connections,
            max_keepalive_connections=settings.max_keepalive_connections,
        ),
        mounts=mounts,
        follow_redirects=False,
        trust_env=False,
    )

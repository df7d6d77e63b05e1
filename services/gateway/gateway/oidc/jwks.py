"""The provider's signing keys, fetched over HTTP and kept for a while.

Providers rotate keys by publishing the new one before signing with it, so a token with a key id
we have not seen is the signal to fetch again, but at most every `jwks_min_refetch_s`: otherwise a
stream of forged key ids would turn the gateway into a load generator against the provider.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import jwt
import structlog
from hotline_shared.errors import ServiceUnavailable, Unauthorized

from .settings import OidcSettings

log = structlog.get_logger("oidc")

_UNREACHABLE = "The identity provider cannot be reached to check the token; retry shortly, or use an API key."


class JwksCache:
    def __init__(self, settings: OidcSettings, http: httpx.AsyncClient) -> None:
        self.settings = settings
        self.http = http
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None
        self._jwks_url = settings.jwks_url
        self._lock = asyncio.Lock()

    async def key_for(self, kid: str | None) -> jwt.PyJWK:
        if self._stale():
            await self._refresh(reason="expired")
        key = self._find(kid)
        if key is None and self._may_refetch():
            await self._refresh(reason="unknown key id")
            key = self._find(kid)
        if key is None:
            raise Unauthorized("The token was signed with a key the identity provider does not publish.")
        return key

    def _find(self, kid: str | None) -> jwt.PyJWK | None:
        if kid is not None:
            return self._keys.get(kid)
        # A provider with a single key may leave kid out; with several we cannot pick one safely.
        return next(iter(self._keys.values())) if len(self._keys) == 1 else None

    def _stale(self) -> bool:
        return self._fetched_at is None or time.monotonic() - self._fetched_at > self.settings.jwks_cache_s

    def _may_refetch(self) -> bool:
        return self._fetched_at is None or time.monotonic() - self._fetched_at >= self.settings.jwks_min_refetch_s

    async def _refresh(self, *, reason: str) -> None:
        async with self._lock:
            if self._fetched_at is not None and time.monotonic() - self._fetched_at < self.settings.jwks_min_refetch_s:
                return  # another request refreshed while this one waited
            try:
                url = self._jwks_url or await self._discover()
                document = await self._get_json(url)
                keys = _usable_keys(document)
            except ServiceUnavailable:
                if self._keys:
                    # Keep serving with the keys we have: a provider blip must not log everyone out.
                    log.warning("jwks_refresh_failed_using_cached", reason=reason)
                    self._fetched_at = time.monotonic()
                    return
                raise
            self._jwks_url = url
            self._keys = keys
            self._fetched_at = time.monotonic()
            log.info("jwks_fetched", reason=reason, keys=len(keys))

    async def _discover(self) -> str:
        issuer = self.settings.issuer.rstrip("/")
        document = await self._get_json(f"{issuer}/.well-known/openid-configuration")
        if document.get("issuer") != self.settings.issuer or not isinstance(document.get("jwks_uri"), str):
            log.error("oidc_discovery_mismatch", issuer=document.get("issuer"))
            raise ServiceUnavailable(_UNREACHABLE)
        uri: str = document["jwks_uri"]
        return uri

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = await self.http.get(url)
            response.raise_for_status()
            document = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            log.error("oidc_fetch_failed", url=url, error=type(exc).__name__)
            raise ServiceUnavailable(_UNREACHABLE) from exc
        if not isinstance(document, dict):
            raise ServiceUnavailable(_UNREACHABLE)
        return document


def _usable_keys(document: dict[str, Any]) -> dict[str, jwt.PyJWK]:
    keys: dict[str, jwt.PyJWK] = {}
    for index, data in enumerate(document.get("keys") or []):
        if not isinstance(data, dict) or data.get("use", "sig") != "sig":
            continue
        try:
            key = jwt.PyJWK.from_dict(data)
        except jwt.PyJWTError:
            continue  # a key type this library cannot use; others in the set may still work
        keys[str(data.get("kid", f"#{index}"))] = key
    if not keys:
        log.error("jwks_without_usable_keys")
        raise ServiceUnavailable(_UNREACHABLE)
    return keys

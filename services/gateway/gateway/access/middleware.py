"""Access control, enforced once for every request: route table → key → role → rate limit → size.

A pure ASGI middleware so the checks run before any body is read or forwarded, for the proxied
services and the gateway's own admin routes alike. After the answer has gone out it writes the
audit row (and the key's last-used time), so the audit log costs the caller no latency.
"""

from __future__ import annotations

from typing import Any

import structlog
from hotline_shared.errors import AppError, Forbidden, PayloadTooLarge, TooManyRequests, problem
from hotline_shared.identity import Identity, Role
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..apikeys import service as keys
from ..apikeys.models import ApiKey
from ..audit import service as audit
from ..config import GatewaySettings
from ..oidc.tokens import authenticate_token, looks_like_jwt
from ..open311 import access as open311_access
from ..open311.formats import error_response, format_of
from ..ratelimit.limiter import RateLimiter
from ..routing.matcher import Matched, RouteMatcher
from ..routing.table import OPEN311_PREFIX, OPEN311_ROUTES, OPEN_PATHS, RateClass, Route
from .client_ip import client_ip, forwarded_chain, parse_networks
from .context import Access
from .credentials import CHALLENGE, authenticate_key, bearer_token, key_identity, missing_key, public_identity

log = structlog.get_logger("access")


# Every open path (probes, metrics, docs) is a GET the gateway serves itself.
_OPEN_METHODS = frozenset({"GET"})


class AccessControl:
    def __init__(self, app: ASGIApp, settings: GatewaySettings) -> None:
        self.app = app
        self.settings = settings
        self.matcher = RouteMatcher()
        self.open311_matcher = RouteMatcher(OPEN311_ROUTES)
        self.trusted = parse_networks(settings.trusted_proxies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] in OPEN_PATHS:
            if scope["method"] not in _OPEN_METHODS:
                # Else the catch-all proxy route would take it and answer 401 for a probe path.
                allow = ", ".join(sorted(_OPEN_METHODS))
                detail = f"{scope['method']} is not allowed on {scope['path']}; allowed: {allow}."
                await problem(
                    405, "Method not allowed", detail, slug="method-not-allowed", instance=scope["path"],
                    headers={"Allow": allow},
                )(scope, receive, send)  # fmt: skip
                return
            await self.app(scope, receive, send)
            return
        outcome: dict[str, Any] = {"status": 500}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                outcome["status"] = message["status"]
            await send(message)

        headers = Headers(scope=scope)
        peer = scope["client"][0] if scope.get("client") else None
        forwarded_for = headers.get("x-forwarded-for")
        ip = client_ip(peer, forwarded_for, self.trusted)
        request_id = structlog.contextvars.get_contextvars().get("request_id")
        identity: Identity | None = None
        key: ApiKey | None = None
        matched: Matched | None = None
        open311 = scope["path"].startswith(OPEN311_PREFIX)
        try:
            try:
                if open311:
                    # The key travels as the `api_key` parameter, in the form body of a POST: read the
                    # (small) body first, then identify.
                    matched = self.open311_matcher.match(scope["method"], scope["path"])
                    receive, body = await self._buffer(headers, receive)
                    presented = open311_access.api_key_of(scope, headers, body)
                    identity, key = await self._identify_open311(scope, presented, matched.route, ip, request_id)
                else:
                    matched = self.matcher.match(scope["method"], scope["path"])
                    identity, key = await self._identify(scope, headers, matched.route, ip, request_id)
                self._authorize(matched.route, identity)
                await self._rate_limit(scope, matched.route, identity, key, ip)
                if not open311:
                    receive = await self._limit_body(scope, headers, receive, matched.route)
            except AppError as exc:
                if open311:
                    # GeoReport v2 clients read the specification's error list, not RFC 9457.
                    response = error_response(
                        format_of(scope["path"]), open311_access.spec_status(exc), exc.detail, headers=exc.headers
                    )
                else:
                    response = problem(
                        exc.status, exc.title, exc.detail, slug=exc.slug, instance=scope["path"],
                        errors=exc.errors, extra=exc.extra, headers=exc.headers,
                    )  # fmt: skip
                await response(scope, receive, capture)
                return
            scope.setdefault("state", {})["access"] = Access(
                matched=matched,
                identity=identity,
                key_id=key.id if key else None,
                forwarded_for=forwarded_chain(peer, forwarded_for, self.trusted),
            )
            await self.app(scope, receive, capture)
        finally:
            if identity is not None and matched is not None:
                await self._after(scope, matched.route, identity, key, outcome["status"])

    async def _identify(
        self, scope: Scope, headers: Headers, route: Route, ip: str | None, request_id: str | None
    ) -> tuple[Identity, ApiKey | None]:
        if route.public_only:
            # Citizens' pages answer everyone as the public (masked), whatever key they hold.
            return public_identity(client_ip=ip, request_id=request_id), None
        state = scope["app"].state
        try:
            token = bearer_token(headers.get("authorization"))
            if token is None:
                if route.allows_anonymous:
                    return public_identity(client_ip=ip, request_id=request_id), None
                raise missing_key()
            oidc = state.oidc
            if oidc is not None and looks_like_jwt(token):
                identity = await authenticate_token(
                    token, settings=oidc.settings, jwks=oidc, clock=state.clock, client_ip=ip, request_id=request_id
                )
                return identity, None
            key = await authenticate_key(state.db, token=token, clock=state.clock)
        except AppError as exc:
            if exc.status == 401:
                for name, value in CHALLENGE.items():
                    exc.headers.setdefault(name, value)
                await self._count_auth_failure(scope, ip)
            raise
        if key.role == Role.open311.value:
            raise Forbidden("An Open311 key works only under /open311/v2/, sent as the api_key parameter.")
        return key_identity(key, client_ip=ip, request_id=request_id), key

    async def _identify_open311(
        self, scope: Scope, presented: str | None, route: Route, ip: str | None, request_id: str | None
    ) -> tuple[Identity, ApiKey | None]:
        if presented is None:
            if not route.allows_anonymous:
                raise open311_access.invalid_key("缺少 api_key / api_key is required to post a service request.")
            return public_identity(client_ip=ip, request_id=request_id), None
        state = scope["app"].state
        try:
            key = await authenticate_key(state.db, token=presented, clock=state.clock)
        except AppError as exc:
            await self._count_auth_failure(scope, ip)
            raise open311_access.invalid_key(exc.detail) from exc
        if key.role != Role.open311.value:
            # A staff key pasted into a city app would act as the public here; better to say so.
            raise open311_access.invalid_key("This api_key is not an Open311 key; ask the hotline centre for one.")
        return key_identity(key, client_ip=ip, request_id=request_id), key

    @staticmethod
    def _authorize(route: Route, identity: Identity) -> None:
        if identity.role not in route.roles:
            names = ", ".join(sorted(r.value for r in route.roles))
            raise Forbidden(
                f"{route.method} {route.path} needs one of these roles: {names}; this key is {identity.role.value}."
            )

    def _limiter(self, scope: Scope) -> RateLimiter:
        limiter: RateLimiter = scope["app"].state.rate_limiter
        return limiter

    async def _count_auth_failure(self, scope: Scope, ip: str | None) -> None:
        if not self.settings.rate_limit_enabled:
            return
        decision = await self._limiter(scope).hit(
            f"auth-failure:{ip}", per_minute=self.settings.rate_limit_auth_failures_per_minute
        )
        if not decision.allowed:
            raise TooManyRequests(
                "Too many requests with invalid API keys from your address; wait and check your key.",
                headers={"Retry-After": str(decision.retry_after_s)},
            )

    async def _rate_limit(
        self, scope: Scope, route: Route, identity: Identity, key: ApiKey | None, ip: str | None
    ) -> None:
        if not self.settings.rate_limit_enabled:
            return
        s = self.settings
        # A signed-in person (key or token) has their own bucket; the public share one per address.
        principal = key.id if key is not None else identity.subject if identity.role is not Role.public else None
        if principal is None:
            bucket, per_minute = f"{RateClass.public.value}:{ip}", s.rate_limit_public_per_minute
        elif route.rate is RateClass.open311:
            bucket, per_minute = f"{RateClass.open311.value}:{principal}", s.rate_limit_open311_per_minute
        elif route.rate is RateClass.bulk:
            bucket, per_minute = f"{RateClass.bulk.value}:{principal}", s.rate_limit_bulk_per_minute
        else:
            bucket, per_minute = f"{RateClass.staff.value}:{principal}", s.rate_limit_staff_per_minute
        decision = await self._limiter(scope).hit(bucket, per_minute=per_minute)
        if not decision.allowed:
            who = "your address" if principal is None else f"the key {identity.subject}" if key else identity.subject
            raise TooManyRequests(
                f"Too many requests from {who}; retry after {decision.retry_after_s} s.",
                headers={"Retry-After": str(decision.retry_after_s)},
                extra={"retry_after": decision.retry_after_s},
            )

    def _too_large(self) -> PayloadTooLarge:
        limit = self.settings.max_body_bytes
        return PayloadTooLarge(f"The request body is larger than {limit} bytes; split it into smaller requests.")

    async def _buffer(self, headers: Headers, receive: Receive) -> tuple[Receive, bytes]:
        """The whole (small) body, and a receive that hands it on to the app unchanged."""
        limit = self.settings.max_body_bytes
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise self._too_large()
        # Read here so an oversize chunked body is a clean 413 (FastAPI would turn an error
        # raised mid-read into a vague 400).
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > limit:
                raise self._too_large()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        return replay, body

    async def _limit_body(self, scope: Scope, headers: Headers, receive: Receive, route: Route) -> Receive:
        limit = self.settings.max_upload_bytes if route.upload else self.settings.max_body_bytes
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise self._too_large()
        if route.service == "gateway":
            # Our own routes take small bodies: buffered whole.
            replay, _body = await self._buffer(headers, receive)
            return replay
        received = 0
        too_large = self._too_large()

        async def counting() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise too_large
            return message

        return counting

    async def _after(self, scope: Scope, route: Route, identity: Identity, key: ApiKey | None, status: int) -> None:
        state = scope["app"].state
        clock = state.clock
        if not route.audited and key is None:
            return
        try:
            async with state.db.transaction() as session:
                if route.audited:
                    query = scope.get("query_string", b"").decode("latin-1") or None
                    await audit.record(
                        session,
                        at=clock.now(),
                        key_id=key.id if key else None,
                        subject=identity.subject,
                        role=identity.role.value,
                        unit_id=identity.unit_id,
                        station_id=identity.station_id,
                        method=scope["method"],
                        path=scope["path"],
                        # The public's query strings carry lookup codes: never keep them.
                        query=query if identity.is_staff else None,
                        route=route.path,
                        service=route.service,
                        status=status,
                        client_ip=identity.client_ip,
                        request_id=identity.request_id,
                    )
                if key is not None:
                    await keys.touch(
                        session, key_id=key.id, clock=clock, resolution_s=self.settings.key_last_used_resolution_s
                    )
        except Exception as exc:
            log.error("audit_write_failed", route=route.path, status=status, error=type(exc).__name__)

"""A bearer JWT from the identity provider → the same Identity an API key gives.

Times are checked against the gateway's injectable clock (not PyJWT's wall clock), so tests and
the demo that move time see tokens expire the way users would.
"""

from __future__ import annotations

import re
from typing import Any

import jwt
from hotline_shared.clock import Clock
from hotline_shared.errors import Forbidden, Unauthorized
from hotline_shared.identity import Identity, Role

from ..apikeys.schemas import ALLOWED_SCOPE, AREA_PATTERN, REQUIRED_SCOPE, SCOPE_PATTERN, KeyRole
from .jwks import JwksCache
from .settings import OidcSettings

SUBJECT_PREFIX = "oidc:"
_PATTERNS = {
    "unit_id": re.compile(SCOPE_PATTERN),
    "station_id": re.compile(SCOPE_PATTERN),
    "area_code": re.compile(AREA_PATTERN),
}
_SUBJECT = re.compile(r"^[^\x00-\x1f\x7f]{1,75}$")  # "oidc:" + 75 fits the audit log's 80


def looks_like_jwt(token: str) -> bool:
    """API keys are `hk_...` with no dots; a JWS compact token is three base64url parts."""
    return token.count(".") == 2 and not token.startswith("hk_")


def claim(payload: dict[str, Any], name: str) -> Any:
    node: Any = payload
    for part in name.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


async def authenticate_token(
    token: str,
    *,
    settings: OidcSettings,
    jwks: JwksCache,
    clock: Clock,
    client_ip: str | None,
    request_id: str | None,
) -> Identity:
    payload = await _verified_payload(token, settings=settings, jwks=jwks, clock=clock)
    role = _role(payload, settings)
    scope = _scope(payload, settings, role)
    subject = claim(payload, settings.subject_claim) or payload.get("sub")
    if not isinstance(subject, str) or not _SUBJECT.match(subject):
        raise Unauthorized("The token names no usable subject (`sub`).")
    return Identity(
        subject=SUBJECT_PREFIX + subject,
        role=role,
        unit_id=scope.get("unit_id"),
        station_id=scope.get("station_id"),
        area_code=scope.get("area_code"),
        client_ip=client_ip,
        request_id=request_id,
    )


async def _verified_payload(token: str, *, settings: OidcSettings, jwks: JwksCache, clock: Clock) -> dict[str, Any]:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise Unauthorized("The bearer token is neither an API key nor a readable JWT.") from exc
    algorithm = header.get("alg")
    if algorithm not in settings.algorithms:
        raise Unauthorized(f"Tokens signed with {algorithm!r} are not accepted; expected {settings.algorithms}.")
    kid = header.get("kid")
    key = await jwks.key_for(kid if isinstance(kid, str) else None)
    try:
        payload: dict[str, Any] = jwt.decode(
            token,
            key=key,
            algorithms=[algorithm],
            audience=settings.audience,
            issuer=settings.issuer,
            options={"require": ["exp", "iss", "aud"], "verify_exp": False, "verify_nbf": False, "verify_iat": False},
        )
    except jwt.InvalidAudienceError as exc:
        raise Unauthorized("The token was issued for another application (aud).") from exc
    except jwt.InvalidIssuerError as exc:
        raise Unauthorized("The token was issued by another identity provider (iss).") from exc
    except jwt.InvalidSignatureError as exc:
        raise Unauthorized("The token's signature is not valid.") from exc
    except jwt.MissingRequiredClaimError as exc:
        raise Unauthorized(f"The token lacks the {exc.claim!r} claim.") from exc
    except jwt.PyJWTError as exc:
        raise Unauthorized("The token is not valid.") from exc
    _check_times(payload, now=clock.now().timestamp(), leeway=settings.leeway_s)
    return payload


def _check_times(payload: dict[str, Any], *, now: float, leeway: int) -> None:
    expires, not_before = payload.get("exp"), payload.get("nbf")
    if isinstance(expires, bool) or not isinstance(expires, int | float):
        raise Unauthorized("The token's expiry (exp) is not a number.")
    if now > expires + leeway:
        raise Unauthorized("The token has expired; sign in again.")
    if not_before is not None:
        if isinstance(not_before, bool) or not isinstance(not_before, int | float):
            raise Unauthorized("The token's nbf is not a number.")
        if now < not_before - leeway:
            raise Unauthorized("The token is not valid yet (nbf); check the clocks.")


def _role(payload: dict[str, Any], settings: OidcSettings) -> Role:
    value = claim(payload, settings.role_claim)
    values = value if isinstance(value, list) else [value]
    names = [v for v in values if isinstance(v, str)]
    roles = {KeyRole(n) for n in names if n in KeyRole.__members__}
    if not roles:
        raise Forbidden(
            f"The token carries no hotline role in `{settings.role_claim}`; "
            f"ask the administrator for one of: {', '.join(r.value for r in KeyRole)}."
        )
    if len(roles) > 1:
        # Picking one would silently widen or narrow access; the provider's mapping must decide.
        raise Forbidden(f"The token carries several hotline roles ({', '.join(sorted(roles))}); it must carry one.")
    return Role(roles.pop().value)


def _scope(payload: dict[str, Any], settings: OidcSettings, role: Role) -> dict[str, str]:
    """The unit, station and area claims the role may carry, by the same rules as API keys."""
    claims = {"unit_id": settings.unit_claim, "station_id": settings.station_claim, "area_code": settings.area_claim}
    key_role = KeyRole(role.value)
    scope: dict[str, str] = {}
    for field in sorted(ALLOWED_SCOPE.get(key_role, set())):
        value = claim(payload, claims[field])
        if value is None:
            continue
        if not isinstance(value, str) or not _PATTERNS[field].match(value):
            raise Forbidden(f"The token's `{claims[field]}` claim is not a valid {field}.")
        scope[field] = value
    required = REQUIRED_SCOPE.get(key_role)
    if required and required not in scope:
        # Without it a unit would see nobody's orders or, worse, be taken for another unit.
        raise Forbidden(f"A {role.value} token must name its {required} in `{claims[required]}`.")
    return scope

"""What the gateway needs to know about the identity provider; all of it from configuration."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

# Only public-key algorithms: with HS256 the "secret" would be the provider's published key, and
# anyone could sign a token (the classic algorithm-confusion attack); "none" is no signature at all.
ASYMMETRIC = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"})


class OidcSettings(BaseModel):
    issuer: str = Field(description="The provider's issuer URL, exactly as in its tokens' `iss`.")
    audience: str = Field(min_length=1, description="This API's client id / audience, checked against `aud`.")
    jwks_url: str | None = Field(default=None, description="Default: `jwks_uri` from the issuer's discovery document.")
    algorithms: list[str] = Field(default_factory=lambda: ["RS256", "ES256"])
    # Claim names; a dotted name reads a nested claim (Keycloak puts roles in `realm_access.roles`).
    role_claim: str = "hotline_role"
    unit_claim: str = "hotline_unit"
    station_claim: str = "hotline_station"
    area_claim: str = "hotline_area"
    subject_claim: str = "preferred_username"
    leeway_s: int = Field(default=30, ge=0, le=300, description="Clock skew allowed on exp and nbf.")
    jwks_cache_s: float = Field(default=300.0, gt=0, description="How long fetched keys are trusted.")
    jwks_min_refetch_s: float = Field(
        default=30.0, ge=0, description="A token with an unknown key id refetches the keys at most this often."
    )

    @field_validator("algorithms")
    @classmethod
    def _asymmetric_only(cls, value: list[str]) -> list[str]:
        refused = [a for a in value if a not in ASYMMETRIC]
        if refused or not value:
            raise ValueError(f"only public-key algorithms are accepted ({', '.join(sorted(ASYMMETRIC))}); got {value}")
        return value

    @field_validator("issuer")
    @classmethod
    def _https_issuer(cls, value: str) -> str:
        if not value.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise ValueError("the issuer must be an https:// URL (plain http only on loopback, for testing)")
        return value

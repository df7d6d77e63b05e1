from __future__ import annotations

from pathlib import Path

from hotline_shared.settings import ServiceSettings, service_config
from pydantic import Field

from .oidc.settings import OidcSettings

SERVICE_DIR = Path(__file__).resolve().parent.parent
MIGRATIONS_DIR = SERVICE_DIR / "migrations"
REPO_ROOT = SERVICE_DIR.parent.parent
DEMO_API_KEYS_FILE = REPO_ROOT / "demo" / "api_keys.yaml"


class GatewaySettings(ServiceSettings):
    model_config = service_config("GATEWAY_")

    service_name: str = "gateway"
    database_url: str = "sqlite+aiosqlite:///./.data/gateway.sqlite3"

    # Base URLs of the services behind the gateway (no trailing path).
    intake_url: str = "http://127.0.0.1:8001"
    dispatch_url: str = "http://127.0.0.1:8002"
    feedback_url: str = "http://127.0.0.1:8003"
    # The staff web console (HTML pages, no OpenAPI of its own to merge).
    console_url: str = "http://127.0.0.1:8004"

    api_keys_file: Path = DEMO_API_KEYS_FILE
    # Bearer JWTs from the city's identity provider, besides API keys: off unless configured
    # (GATEWAY_OIDC__ISSUER, GATEWAY_OIDC__AUDIENCE, ...; see docs/runbook.md).
    oidc: OidcSettings | None = None

    # Upstream calls: a dead service must answer 503 quickly; a slow one 504, never a hang.
    connect_timeout_s: float = Field(default=2.0, gt=0)
    read_timeout_s: float = Field(default=30.0, gt=0)
    write_timeout_s: float = Field(default=30.0, gt=0)
    pool_timeout_s: float = Field(default=5.0, gt=0)
    max_connections: int = Field(default=200, ge=1)
    max_keepalive_connections: int = Field(default=50, ge=0)
    openapi_cache_s: float = Field(default=60.0, ge=0)

    # A batch of 500 cases is well under 2 MiB; anything far larger is a mistake or an attack.
    max_body_bytes: int = Field(default=4 * 1024 * 1024, ge=1024)
    # Routes that take photos (a citizen's submission): a few phone photos, base64 in JSON.
    max_upload_bytes: int = Field(default=32 * 1024 * 1024, ge=1024)

    # Rate limits: requests per minute, with a burst of the same size (GCRA in Redis, shared by replicas).
    rate_limit_enabled: bool = True
    rate_limit_public_per_minute: int = Field(default=120, ge=1)
    rate_limit_staff_per_minute: int = Field(default=1200, ge=1)
    rate_limit_bulk_per_minute: int = Field(default=60, ge=1)
    rate_limit_auth_failures_per_minute: int = Field(default=30, ge=1)
    # Per Open311 api_key (a city app posts for many citizens, so more than one address's share).
    rate_limit_open311_per_minute: int = Field(default=300, ge=1)

    # Open311 GeoReport v2 discovery document (/open311/v2/discovery.json).
    open311_contact: str = "12345 政务服务便民热线 热线中心"
    open311_key_service: str = "向热线中心管理员申请 Open311 接口密钥（角色 open311）"

    # Proxies whose X-Forwarded-For we believe (CIDRs); everyone else's is ignored. Empty by default:
    # the embedded stack has no proxy, and trusting 127.0.0.1 let any local client pick its own IP
    # (and reset the rate limits with it). Deployments list exactly their edge (compose: nginx's
    # fixed address; Kubernetes: the ingress controller's pod CIDR), see docs/runbook.md.
    trusted_proxies: list[str] = Field(default_factory=list)

    cors_origins: list[str] = Field(default_factory=list)
    # Sent on every response that does not set its own; public HTML pages may tighten it.
    content_security_policy: str = (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )
    hsts_seconds: int = Field(default=0, ge=0)

    # Throttle writes of last_used_at: one UPDATE per key per minute is plenty for an admin view.
    key_last_used_resolution_s: int = Field(default=60, ge=0)
    key_rotation_max_grace_s: int = Field(default=7 * 24 * 3600, ge=0)

    def service_urls(self) -> dict[str, str]:
        return {"intake": self.intake_url, "dispatch": self.dispatch_url, "feedback": self.feedback_url}

    def upstream_urls(self) -> dict[str, str]:
        """Everything the proxy forwards to: the API services plus the console."""
        return {**self.service_urls(), "console": self.console_url}

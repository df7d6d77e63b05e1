"""Who may call what: the one route → roles table the gateway enforces (contract: ../shared/api.md).

Every path a client can reach is listed here, with the service that owns it, the roles allowed,
whether each call is written to the audit log, and the rate-limit class. A request for a path not
in this table is answered 404 by the gateway itself; a listed path with another method gets 405.
The services check the roles again from the signed identity header (defence in depth) and do the
record-level scoping (a unit's own orders, a station's own cases, a supervisor's area).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hotline_shared.identity import STAFF_ROLES, Role


class RateClass(StrEnum):
    public = "public"  # per client IP
    staff = "staff"  # per API key
    bulk = "bulk"  # per API key, for heavy calls such as a 500-case batch
    open311 = "open311"  # per Open311 key, or per client IP without one


WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

PUBLIC = frozenset({Role.public})
STAFF = STAFF_ROLES
OPERATOR, STATION, UNIT, SUPERVISOR, ADMIN = Role.operator, Role.station, Role.unit, Role.supervisor, Role.admin
# Open311 clients reach intake only through the gateway's adapter (which reads the catalogue and
# registers cases signed as the client): the access check admits an open311 key under /open311/v2
# alone (OPEN311_ROUTES), never on the /api/v1 paths below that list the role for that adapter.
OPEN311 = Role.open311
ANYONE = PUBLIC | STAFF | {OPEN311}


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    service: str
    roles: frozenset[Role]
    pii: bool = False  # a staff read of personal data: audited like a write
    rate: RateClass = RateClass.staff
    upload: bool = False  # takes photos: the larger body limit (max_upload_bytes) applies

    @property
    def audited(self) -> bool:
        return self.pii or self.method in WRITE_METHODS

    @property
    def public_only(self) -> bool:
        """Citizen-facing: always answered as the public, even to a caller holding a staff key."""
        return self.roles == PUBLIC

    @property
    def allows_anonymous(self) -> bool:
        return Role.public in self.roles


def _r(
    method: str,
    path: str,
    service: str,
    *roles: Role | frozenset[Role],
    pii: bool = False,
    rate: RateClass | None = None,
    upload: bool = False,
) -> Route:
    allowed: set[Role] = set()
    for r in roles:
        allowed |= r if isinstance(r, frozenset) else {r}
    frozen = frozenset(allowed)
    default_rate = RateClass.public if Role.public in frozen else RateClass.staff
    return Route(method, path, service, frozen, pii, rate or default_rate, upload)


# fmt: off
ROUTES: tuple[Route, ...] = (
    # intake
    _r("POST", "/api/v1/cases", "intake", OPERATOR, STATION, ADMIN, OPEN311),
    _r("POST", "/api/v1/cases/batch", "intake", STATION, OPERATOR, ADMIN, rate=RateClass.bulk),
    _r("GET", "/api/v1/cases", "intake", OPERATOR, STATION, SUPERVISOR, ADMIN, pii=True),
    _r("GET", "/api/v1/cases/{case_no}", "intake", OPERATOR, STATION, SUPERVISOR, ADMIN, pii=True),
    _r("GET", "/api/v1/catalog/topics", "intake", ANYONE),
    _r("GET", "/api/v1/catalog/areas", "intake", ANYONE),
    _r("POST", "/api/v1/catalog/reload", "intake", ADMIN),
    _r("GET", "/api/v1/cases/{case_no}/photos", "intake", OPERATOR, STATION, SUPERVISOR, ADMIN),
    _r("PUT", "/api/v1/cases/{case_no}/photos/{photo_id}/publication", "intake", OPERATOR, SUPERVISOR, ADMIN),
    # intake: citizens file cases themselves (外网申请)
    _r("POST", "/api/v1/public/verification-codes", "intake", PUBLIC),
    _r("POST", "/api/v1/public/cases", "intake", PUBLIC, upload=True),
    _r("GET", "/submit", "intake", PUBLIC),
    _r("POST", "/submit", "intake", PUBLIC, upload=True),
    _r("POST", "/submit/code", "intake", PUBLIC),

    # dispatch: the unit's workflow
    _r("GET", "/api/v1/orders", "dispatch", UNIT, SUPERVISOR, OPERATOR, ADMIN),
    _r("GET", "/api/v1/orders/{order_id}", "dispatch", UNIT, SUPERVISOR, OPERATOR, ADMIN, pii=True),
    _r("POST", "/api/v1/orders/{order_id}/sign", "dispatch", UNIT),
    _r("POST", "/api/v1/orders/{order_id}/return", "dispatch", UNIT),
    _r("POST", "/api/v1/orders/{order_id}/contact", "dispatch", UNIT),
    _r("POST", "/api/v1/orders/{order_id}/reply", "dispatch", UNIT, upload=True),
    _r("POST", "/api/v1/orders/{order_id}/extensions", "dispatch", UNIT),
    _r("GET", "/api/v1/extensions", "dispatch", UNIT, SUPERVISOR, OPERATOR, ADMIN),
    _r("GET", "/api/v1/extensions/{extension_id}", "dispatch", UNIT, SUPERVISOR, OPERATOR, ADMIN),
    _r("POST", "/api/v1/extensions/{extension_id}/decision", "dispatch", SUPERVISOR),
    _r("POST", "/api/v1/orders/{order_id}/pauses", "dispatch", UNIT),
    _r("GET", "/api/v1/pauses", "dispatch", UNIT, SUPERVISOR, OPERATOR, ADMIN),
    _r("GET", "/api/v1/pauses/{pause_id}", "dispatch", UNIT, SUPERVISOR, OPERATOR, ADMIN),
    _r("POST", "/api/v1/pauses/{pause_id}/decision", "dispatch", SUPERVISOR),
    _r("POST", "/api/v1/orders/{order_id}/resume", "dispatch", UNIT, SUPERVISOR),
    _r("POST", "/api/v1/cases/{case_no}/dispatch", "dispatch", OPERATOR, SUPERVISOR, ADMIN),
    _r("GET", "/api/v1/dispatch-queue", "dispatch", OPERATOR, SUPERVISOR, ADMIN),

    # dispatch: the working calendar
    _r("GET", "/api/v1/calendar/deadline", "dispatch", ANYONE),
    _r("GET", "/api/v1/calendar/overrides", "dispatch", ANYONE),
    _r("PUT", "/api/v1/calendar/overrides/{day}", "dispatch", ADMIN),
    _r("DELETE", "/api/v1/calendar/overrides/{day}", "dispatch", ADMIN),
    _r("GET", "/api/v1/calendar/recomputes/{job_id}", "dispatch", ADMIN),
    _r("GET", "/api/v1/calendar/{year}", "dispatch", ANYONE),
    _r("PUT", "/api/v1/calendar/{year}", "dispatch", ADMIN),
    _r("DELETE", "/api/v1/calendar/{year}", "dispatch", ADMIN),

    # dispatch: reference data the admins maintain and every staff member may read
    _r("GET", "/api/v1/units", "dispatch", STAFF),
    _r("POST", "/api/v1/units", "dispatch", ADMIN),
    _r("GET", "/api/v1/units/{unit_id}", "dispatch", STAFF),
    _r("PATCH", "/api/v1/units/{unit_id}", "dispatch", ADMIN),
    _r("DELETE", "/api/v1/units/{unit_id}", "dispatch", ADMIN),
    _r("GET", "/api/v1/routing-rules", "dispatch", STAFF),
    _r("POST", "/api/v1/routing-rules", "dispatch", ADMIN),
    _r("GET", "/api/v1/routing-rules/match", "dispatch", STAFF),
    _r("GET", "/api/v1/routing-rules/{rule_id}", "dispatch", STAFF),
    _r("PUT", "/api/v1/routing-rules/{rule_id}", "dispatch", ADMIN),
    _r("DELETE", "/api/v1/routing-rules/{rule_id}", "dispatch", ADMIN),
    _r("GET", "/api/v1/policies", "dispatch", STAFF),
    _r("POST", "/api/v1/policies", "dispatch", ADMIN),
    _r("GET", "/api/v1/policies/resolve", "dispatch", STAFF),
    _r("GET", "/api/v1/policies/{policy_id}", "dispatch", STAFF),
    _r("PUT", "/api/v1/policies/{policy_id}", "dispatch", ADMIN),
    _r("DELETE", "/api/v1/policies/{policy_id}", "dispatch", ADMIN),

    # dispatch: supervision (a unit sees its own figures and late orders; a supervisor maybe one area)
    _r("GET", "/api/v1/supervision/overdue", "dispatch", SUPERVISOR, ADMIN, UNIT),
    _r("GET", "/api/v1/supervision/overdue/export", "dispatch", SUPERVISOR, ADMIN, rate=RateClass.bulk),
    _r("GET", "/api/v1/supervision/near-due", "dispatch", SUPERVISOR, ADMIN, UNIT),
    _r("POST", "/api/v1/supervision/urges", "dispatch", SUPERVISOR, ADMIN),
    _r("GET", "/api/v1/supervision/orders/{order_id}", "dispatch", SUPERVISOR, ADMIN, UNIT),
    _r("GET", "/api/v1/supervision/units/{unit_id}/metrics", "dispatch", SUPERVISOR, ADMIN, UNIT),
    _r("GET", "/api/v1/supervision/rankings", "dispatch", SUPERVISOR, ADMIN),
    _r("GET", "/api/v1/supervision/rankings/export", "dispatch", SUPERVISOR, ADMIN, rate=RateClass.bulk),
    # dispatch: evaluation 考评 (supervisors score and edit drafts, admins set rules and approve; a unit
    # reads its own month; the published summary is for anyone)
    _r("GET", "/api/v1/evaluation/rules", "dispatch", SUPERVISOR, ADMIN),
    _r("PUT", "/api/v1/evaluation/rules/{code}", "dispatch", ADMIN),
    _r("POST", "/api/v1/evaluation/points", "dispatch", SUPERVISOR, ADMIN),
    _r("POST", "/api/v1/evaluation/points/{point_id}/reverse", "dispatch", SUPERVISOR, ADMIN),
    _r("GET", "/api/v1/evaluation/units/{unit_id}", "dispatch", SUPERVISOR, ADMIN, UNIT),
    _r("GET", "/api/v1/evaluation/months/{month}", "dispatch", SUPERVISOR, ADMIN),
    _r("POST", "/api/v1/evaluation/months/{month}/compile", "dispatch", SUPERVISOR, ADMIN),
    _r("POST", "/api/v1/evaluation/months/{month}/entries", "dispatch", SUPERVISOR, ADMIN),
    _r("PATCH", "/api/v1/evaluation/months/{month}/entries/{entry_id}", "dispatch", SUPERVISOR, ADMIN),
    _r("POST", "/api/v1/evaluation/months/{month}/approve", "dispatch", ADMIN),
    _r("POST", "/api/v1/evaluation/months/{month}/recompute", "dispatch", ADMIN),
    _r("GET", "/api/v1/evaluation/months/{month}/export", "dispatch", SUPERVISOR, ADMIN, rate=RateClass.bulk),
    _r("GET", "/api/v1/evaluation/months/{month}/page", "dispatch", SUPERVISOR, ADMIN),
    _r("GET", "/api/v1/evaluation/quarters/{quarter}", "dispatch", SUPERVISOR, ADMIN),
    _r("GET", "/api/v1/evaluation/actions", "dispatch", SUPERVISOR, ADMIN),
    _r("POST", "/api/v1/evaluation/actions/{crossing_id}/done", "dispatch", SUPERVISOR, ADMIN),
    _r("GET", "/api/v1/public/evaluation/{month}", "dispatch", ANYONE),

    # feedback: citizens
    _r("GET", "/api/v1/public/cases/{case_no}", "feedback", PUBLIC),
    _r("POST", "/api/v1/public/cases/{case_no}/rating", "feedback", PUBLIC),
    _r("GET", "/api/v1/public/board", "feedback", PUBLIC),
    _r("GET", "/api/v1/public/cases/{case_no}/photos/{photo_id}", "feedback", PUBLIC),
    _r("GET", "/board", "feedback", PUBLIC),
    _r("GET", "/track", "feedback", PUBLIC),
    _r("POST", "/track/rating", "feedback", PUBLIC),
    _r("GET", "/api/v1/public/open311/requests", "feedback", PUBLIC),
    _r("GET", "/api/v1/public/open311/requests/{case_no}", "feedback", PUBLIC),
    # feedback: staff
    _r("GET", "/api/v1/callbacks", "feedback", OPERATOR, SUPERVISOR, ADMIN, pii=True),
    _r("POST", "/api/v1/callbacks/{case_no}", "feedback", OPERATOR, SUPERVISOR, ADMIN),
    _r("GET", "/api/v1/cases/{case_no}/timeline", "feedback", STAFF, pii=True),
    _r("GET", "/api/v1/reports/summary", "feedback", SUPERVISOR, ADMIN),
    _r("GET", "/api/v1/reports/summary/export", "feedback", SUPERVISOR, ADMIN, rate=RateClass.bulk),
    _r("GET", "/api/v1/reports/bulletin", "feedback", SUPERVISOR, ADMIN),

    # console: the staff web console signs people in itself and calls this API with their key,
    # so to the gateway its pages are public; every API call it makes is checked like any client's.
    _r("GET", "/console", "console", PUBLIC),
    _r("GET", "/console/{page:path}", "console", PUBLIC),
    _r("POST", "/console/{page:path}", "console", PUBLIC),

    # gateway itself: who the caller is, credentials and the audit trail
    _r("GET", "/api/v1/me", "gateway", STAFF),
    _r("GET", "/api/v1/admin/api-keys", "gateway", ADMIN),
    _r("POST", "/api/v1/admin/api-keys", "gateway", ADMIN),
    _r("GET", "/api/v1/admin/api-keys/{key_id}", "gateway", ADMIN),
    _r("POST", "/api/v1/admin/api-keys/{key_id}/revoke", "gateway", ADMIN),
    _r("POST", "/api/v1/admin/api-keys/{key_id}/rotate", "gateway", ADMIN),
    _r("GET", "/api/v1/audit", "gateway", ADMIN),
)
# fmt: on

# Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2), served by the gateway's adapter
# (gateway/open311), which calls intake and feedback. Kept apart from ROUTES: the key comes as the
# `api_key` parameter, not a Bearer header, and errors take the specification's shape, not RFC 9457.
# `{format}` is `json` or `xml`. Reads are open to anyone (rate-limited by address, or by key when
# one is sent); posting needs an open311 key.
OPEN311_PREFIX = "/open311/v2/"
OPEN311_ROUTES: tuple[Route, ...] = (
    _r("GET", "/open311/v2/discovery.{format}", "gateway", PUBLIC, OPEN311, rate=RateClass.open311),
    _r("GET", "/open311/v2/services.{format}", "gateway", PUBLIC, OPEN311, rate=RateClass.open311),
    _r("GET", "/open311/v2/services/{service_code}.{format}", "gateway", PUBLIC, OPEN311, rate=RateClass.open311),
    _r("POST", "/open311/v2/requests.{format}", "gateway", OPEN311, rate=RateClass.open311),
    _r("GET", "/open311/v2/requests.{format}", "gateway", PUBLIC, OPEN311, rate=RateClass.open311),
    _r("GET", "/open311/v2/requests/{service_request_id}.{format}", "gateway", PUBLIC, OPEN311, rate=RateClass.open311),
    _r("GET", "/open311/v2/tokens/{token}.{format}", "gateway", PUBLIC, OPEN311, rate=RateClass.open311),
)

# Served by the gateway to anyone, outside access control: probes, metrics and the API docs.
OPEN_PATHS = frozenset({"/healthz", "/readyz", "/metrics", "/docs", "/docs/oauth2-redirect", "/openapi.json"})

SERVICES = ("intake", "dispatch", "feedback")

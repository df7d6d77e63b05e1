"""Every gateway operation the client knows, described once as a `Call`.

A call is data (method, path, query, body, answer model); `HotlineClient.send` and
`AsyncHotlineClient.send` run it, so the sync and async clients cannot drift apart.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar
from urllib.parse import quote

from pydantic import BaseModel

from . import models as m

T = TypeVar("T")
Item = TypeVar("Item", bound=BaseModel)


class Page(m.Answer, Generic[Item]):
    items: list[Item]
    next_cursor: str | None = None


@dataclass(frozen=True)
class Call(Generic[T]):
    method: str
    path: str
    answer: type[T] | None  # None: the raw bytes of a file download
    params: dict[str, Any] = field(default_factory=dict)
    body: BaseModel | None = None
    idempotency_key: str | None = None

    @property
    def is_write(self) -> bool:
        return self.method != "GET"

    def query(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for k, v in self.params.items():
            if v is None:
                continue
            out[k] = v.isoformat() if isinstance(v, datetime) else str(v).lower() if isinstance(v, bool) else str(v)
        return out

    def json(self) -> Any:
        return None if self.body is None else self.body.model_dump(mode="json", exclude_none=True)

    def with_params(self, **params: Any) -> Call[T]:
        return Call(self.method, self.path, self.answer, {**self.params, **params}, self.body, self.idempotency_key)


def new_key() -> str:
    return str(uuid.uuid4())


def _seg(value: str) -> str:
    # Path segments come from users (case numbers typed at a prompt): never let them add a path.
    return quote(str(value), safe="")


def _write(path: str, answer: type[T], body: BaseModel | None, key: str | None) -> Call[T]:
    return Call("POST", path, answer, body=body, idempotency_key=key or new_key())


# --- intake


def create_case(body: m.CaseCreate, *, idempotency_key: str | None = None) -> Call[m.CaseAccepted]:
    return _write("/api/v1/cases", m.CaseAccepted, body, idempotency_key)


def create_batch(items: list[m.BatchItem], *, idempotency_key: str | None = None) -> Call[m.BatchResult]:
    return _write("/api/v1/cases/batch", m.BatchResult, m.BatchRequest(items=items), idempotency_key)


def get_case(case_no: str) -> Call[m.CaseRecord]:
    return Call("GET", f"/api/v1/cases/{_seg(case_no)}", m.CaseRecord)


def list_cases(*, limit: int = 100, **filters: Any) -> Call[Page[m.CaseSummary]]:
    return Call("GET", "/api/v1/cases", Page[m.CaseSummary], {"limit": limit, **filters})


def topics() -> Call[m.TopicList]:
    return Call("GET", "/api/v1/catalog/topics", m.TopicList)


def areas() -> Call[m.AreaList]:
    return Call("GET", "/api/v1/catalog/areas", m.AreaList)


# --- dispatch: the unit's workflow


def list_orders(*, limit: int = 100, **filters: Any) -> Call[Page[m.OrderSummary]]:
    return Call("GET", "/api/v1/orders", Page[m.OrderSummary], {"limit": limit, **filters})


def get_order(order_id: str) -> Call[m.OrderDetail]:
    return Call("GET", f"/api/v1/orders/{_seg(order_id)}", m.OrderDetail)


def order_action(
    order_id: str, action: str, body: BaseModel | None = None, *, idempotency_key: str | None = None
) -> Call[m.OrderDetail]:
    """sign, contact, reply or return: each answers the order as it is afterwards."""
    return _write(f"/api/v1/orders/{_seg(order_id)}/{action}", m.OrderDetail, body, idempotency_key)


def request_extension(order_id: str, body: m.ExtensionIn, *, idempotency_key: str | None = None) -> Call[m.Extension]:
    return _write(f"/api/v1/orders/{_seg(order_id)}/extensions", m.Extension, body, idempotency_key)


def decide_extension(
    extension_id: int, body: m.DecisionIn, *, idempotency_key: str | None = None
) -> Call[m.ExtensionDecided]:
    return _write(f"/api/v1/extensions/{extension_id}/decision", m.ExtensionDecided, body, idempotency_key)


def request_pause(order_id: str, body: m.PauseIn, *, idempotency_key: str | None = None) -> Call[m.Pause]:
    return _write(f"/api/v1/orders/{_seg(order_id)}/pauses", m.Pause, body, idempotency_key)


def dispatch_case(case_no: str, body: m.DispatchIn, *, idempotency_key: str | None = None) -> Call[m.Answer]:
    return _write(f"/api/v1/cases/{_seg(case_no)}/dispatch", m.Answer, body, idempotency_key)


# --- supervision


def overdue(*, limit: int = 100, **filters: Any) -> Call[Page[m.OverdueRow]]:
    return Call("GET", "/api/v1/supervision/overdue", Page[m.OverdueRow], {"limit": limit, **filters})


def near_due(*, limit: int = 100, **filters: Any) -> Call[Page[m.NearDueRow]]:
    return Call("GET", "/api/v1/supervision/near-due", Page[m.NearDueRow], {"limit": limit, **filters})


def urge(body: m.UrgeIn, *, idempotency_key: str | None = None) -> Call[m.Urge]:
    return _write("/api/v1/supervision/urges", m.Urge, body, idempotency_key)


def rankings(month: str) -> Call[m.Rankings]:
    return Call("GET", "/api/v1/supervision/rankings", m.Rankings, {"month": month})


def export_overdue(*, fmt: str = "xlsx", **filters: Any) -> Call[bytes]:
    return Call("GET", "/api/v1/supervision/overdue/export", None, {"format": fmt, **filters})


def export_rankings(month: str, *, fmt: str = "xlsx") -> Call[bytes]:
    return Call("GET", "/api/v1/supervision/rankings/export", None, {"month": month, "format": fmt})


# --- feedback


def callbacks_due(*, limit: int = 100, **filters: Any) -> Call[Page[m.CallbackItem]]:
    return Call("GET", "/api/v1/callbacks", Page[m.CallbackItem], {"limit": limit, **filters})


def record_callback(case_no: str, body: m.CallbackIn, *, idempotency_key: str | None = None) -> Call[m.CallbackResult]:
    return _write(f"/api/v1/callbacks/{_seg(case_no)}", m.CallbackResult, body, idempotency_key)


def timeline(case_no: str) -> Call[m.StaffTimeline]:
    return Call("GET", f"/api/v1/cases/{_seg(case_no)}/timeline", m.StaffTimeline)

"""Envelopes as intake and dispatch publish them, and the personal data the suite must never leak."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from hotline_shared.clock import SHANGHAI
from hotline_shared.events import EventEnvelope

# Every caller name, phone and exact address any test feeds in; public output is scanned for them.
NAMES: set[str] = set()
PHONES: set[str] = set()
ADDRESSES: set[str] = set()

MONDAY = datetime(2026, 11, 23, 9, 30, tzinfo=SHANGHAI)


def envelope(producer: str, type: str, case_no: str, at: datetime, payload: dict[str, Any]) -> EventEnvelope:
    return EventEnvelope(
        event_id=uuid.uuid4(),
        type=type,
        occurred_at=at,
        producer=producer,
        case_no=case_no,
        correlation_id=uuid.uuid4().hex,
        payload=payload,
    )


@dataclass
class Story:
    """One case's life as the other services would tell it."""

    case_no: str
    name: str | None = "张三"
    phone: str | None = "13812345678"
    address: str | None = "幸福路18号3栋2单元501室"
    confidential: bool = False
    category: str = "complaint"
    channel: str = "phone"
    topic_code: str = "CG-SR-ZDJY"
    topic_name: str = "城市管理 › 市容环境 › 占道经营"
    district_code: str = "D01"
    district_name: str = "东城区"
    street_name: str | None = "和平街道"
    community_name: str | None = "幸福社区"
    lookup_code: str = "K7M2QX"
    title: str | None = "小区门口占道经营"
    description: str = "小区门口长期占道经营，晚上噪音很大"
    order_id: str = field(default="")
    unit_id: str = "U-HP"
    unit_name: str = "和平街道办事处"

    def __post_init__(self) -> None:
        self.order_id = self.order_id or f"O-{self.case_no}"
        for bucket, value in ((NAMES, self.name), (PHONES, self.phone), (ADDRESSES, self.address)):
            if value:
                bucket.add(value)

    def case_view(self, at: datetime) -> dict[str, Any]:
        return {
            "case_no": self.case_no,
            "lookup_code": self.lookup_code,
            "channel": self.channel,
            "category": self.category,
            "topic_code": self.topic_code,
            "topic_name": self.topic_name,
            "urgency": "normal",
            "title": self.title,
            "description": self.description,
            "location": {
                "district_code": self.district_code,
                "street_code": "S01",
                "community_code": "C01",
                "grid_code": None,
                "address": self.address,
                "lat": None,
                "lon": None,
                "district_name": self.district_name,
                "street_name": self.street_name,
                "community_name": self.community_name,
            },
            "caller": {"name": self.name, "phone": self.phone, "confidential": self.confidential},
            "caller_masked": {"name": None, "phone": None},
            "confidential": self.confidential,
            "received_at": at.isoformat(),
            "registered_by": {"subject": "op-1", "role": "operator", "station_id": None},
            "demand_count": 1,
        }

    def received(self, at: datetime = MONDAY) -> EventEnvelope:
        return envelope("intake", "case.received", self.case_no, at, self.case_view(at))

    def closed_at_intake(
        self, at: datetime = MONDAY, answer: str = "已当场解答：社保卡可在街道服务中心补办。"
    ) -> EventEnvelope:
        payload = self.case_view(at) | {"answer": answer, "closed_at": at.isoformat(), "closed_by": "op-1"}
        return envelope("intake", "case.closed_at_intake", self.case_no, at, payload)

    def duplicated(self, of: str, at: datetime = MONDAY) -> EventEnvelope:
        payload = self.case_view(at) | {"duplicate_of": of, "original_demand_count": 2}
        return envelope("intake", "case.duplicated", self.case_no, at, payload)

    def _order(self, type: str, at: datetime, **extra: Any) -> EventEnvelope:
        payload = {
            "order_id": extra.pop("order_id", self.order_id),
            "case_no": self.case_no,
            "unit_id": extra.pop("unit_id", self.unit_id),
            "unit_name": extra.pop("unit_name", self.unit_name),
            "role": extra.pop("role", "lead"),
            "at": at.isoformat(),
            **extra,
        }
        return envelope("dispatch", type, self.case_no, at, payload)

    def dispatched(self, at: datetime, reply_days: int = 15, **extra: Any) -> EventEnvelope:
        return self._order(
            "order.dispatched",
            at,
            dispatch_no=1,
            designated=False,
            info_only=False,
            category=self.category,
            urgency="normal",
            topic_code=self.topic_code,
            district_code=self.district_code,
            policy={},
            sign_due_at=(at + timedelta(days=1)).isoformat(),
            contact_due_at=(at + timedelta(days=1)).isoformat(),
            reply_due_at=(at + timedelta(days=reply_days)).isoformat(),
            provisional=False,
            **extra,
        )

    def signed(self, at: datetime) -> EventEnvelope:
        return self._order("order.signed", at, on_time=True)

    def contacted(self, at: datetime) -> EventEnvelope:
        return self._order("order.contacted", at, note="已电话联系", on_time=True)

    def extension_granted(self, at: datetime, new_due: datetime) -> EventEnvelope:
        return self._order(
            "order.extension_decided",
            at,
            extension_id="E1",
            approved=True,
            note="同意",
            reply_due_at=new_due.isoformat(),
        )

    def light(self, at: datetime, light: str) -> EventEnvelope:
        return self._order("order.light_changed", at, light=light, deadline_kind="reply")

    def replied(self, at: datetime, result: str = "已联系城管中队清理占道摊点，并安排每日巡查。", solved: bool = True,
                on_time: bool = True) -> EventEnvelope:  # fmt: skip
        return self._order("order.replied", at, result=result, solved=solved, on_time=on_time)

    def reopened(self, at: datetime, rehandle_count: int = 1) -> EventEnvelope:
        return self._order(
            "order.reopened", at, rehandle_count=rehandle_count, reply_due_at=(at + timedelta(days=7)).isoformat()
        )

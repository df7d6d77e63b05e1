"""Test kit for the dispatch service: identities, event delivery, common flows."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

import httpx
from dispatch.demo.seed import seed_demo, seed_policies
from dispatch.models_base import events
from dispatch.outbox import CONSUMED_STREAMS
from dispatch.runtime import Runtime
from dispatch.workcalendar import recompute
from dispatch.worker import make_consumer
from fastapi import FastAPI
from hotline_shared.clock import SHANGHAI, ManualClock
from hotline_shared.events import EventConsumer, EventEnvelope
from hotline_shared.testing import signed_headers
from sqlalchemy import select

INTAKE_STREAM, FEEDBACK_STREAM = CONSUMED_STREAMS

# Wednesday 2026-09-30 10:00: the National Day week (10-01..10-07) starts tomorrow.
START = datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI)


# A slice of intake's demo catalogue (services/intake/intake/catalog/data), as `catalog.updated` carries it.
TOPICS = [
    ("CG", "城市管理", None),
    ("CG-SRHJ", "市容环境", "CG"),
    ("CG-SRHJ-ZDJY", "占道经营", "CG-SRHJ"),
    ("CG-SRHJ-LJDF", "垃圾堆放", "CG-SRHJ"),
    ("CG-SZSS", "市政设施", "CG"),
    ("CG-SZSS-DLPS", "道路破损", "CG-SZSS"),
    ("HB", "生态环境", None),
    ("HB-ZSWR", "噪声污染", "HB"),
    ("HB-ZSWR-SGZS", "施工噪声", "HB-ZSWR"),
    ("SY", "公用事业（水电气热）", None),
    ("SY-GS", "供水", "SY"),
    ("SY-GS-TS", "停水", "SY-GS"),
    ("LD", "劳动和社会保障", None),
    ("LD-LDBZ", "劳动保障", "LD"),
    ("LD-LDBZ-TQGZ", "拖欠工资", "LD-LDBZ"),
    ("LD-SHBX", "社会保险", "LD"),
    ("LD-SHBX-YLBX", "养老保险", "LD-SHBX"),
    ("JY", "教育", None),
    ("JY-JCJY", "基础教育", "JY"),
    ("JY-JCJY-RXZS", "入学招生", "JY-JCJY"),
    ("ZW", "政务服务", None),
    ("ZW-GZZF", "工作作风", "ZW"),
    ("ZW-GZZF-BYGZRY", "表扬工作人员", "ZW-GZZF"),
]
AREAS = [
    ("D01", "东城区", "district", None),
    ("D01-S01", "东华门街道", "street", "D01"),
    ("D01-S01-C01", "多福巷社区", "community", "D01-S01"),
    ("D01-S02", "景山街道", "street", "D01"),
    ("D03", "朝阳区", "district", None),
    ("D03-S01", "建外街道", "street", "D03"),
    ("D03-S01-C01", "永安里社区", "community", "D03-S01"),
    ("D03-S01-C02", "建国里社区", "community", "D03-S01"),
    ("D03-S02", "朝外街道", "street", "D03"),
    ("D03-S02-C01", "吉祥里社区", "community", "D03-S02"),
]


def catalog_payload(version: int = 1) -> dict[str, Any]:
    return {
        "version": version,
        "topics": [
            {"code": c, "name": n, "parent_code": p, "level": c.count("-") + 1, "active": True} for c, n, p in TOPICS
        ],
        "areas": [{"code": c, "name": n, "level": lv, "parent_code": p} for c, n, lv, p in AREAS],
    }


def headers(role: str, unit_id: str | None = None) -> dict[str, str]:
    return signed_headers(role, unit_id=unit_id, subject=f"{role}-{unit_id or 'x'}")


SUPERVISOR = headers("supervisor")
OPERATOR = headers("operator")
ADMIN = headers("admin")
PUBLIC = headers("public")


def unit(unit_id: str) -> dict[str, str]:
    return headers("unit", unit_id)


class Kit:
    """Drives the dispatch service the way the rest of the system does: events in through the real
    consumer group on Valkey, HTTP calls through the app, events out read from the outbox."""

    _numbers = itertools.count(1)

    def __init__(self, app: FastAPI, client: httpx.AsyncClient, clock: ManualClock) -> None:
        self.app = app
        self.client = client
        self.clock = clock
        self.rt: Runtime = app.state.runtime
        self.consumer: EventConsumer = make_consumer(app.state.settings, app.state.db, app.state.redis, clock, self.rt)

    @property
    def db(self) -> Any:
        return self.app.state.db

    async def seed(self, *, demo: bool = True, catalog: bool = True) -> None:
        async with self.db.transaction() as session:
            await seed_policies(session, self.clock)
            if demo:
                await seed_demo(session, self.clock)
        if catalog:
            await self.deliver(INTAKE_STREAM, "catalog.updated", catalog_payload())

    async def deliver(
        self, stream: str, type: str, payload: dict[str, Any], case_no: str | None = None
    ) -> EventEnvelope:
        envelope = EventEnvelope(
            type=type,
            occurred_at=self.clock.now(),
            producer="intake" if stream == INTAKE_STREAM else "feedback",
            case_no=case_no,
            payload=payload,
        )
        await self.consumer.ensure_groups()
        await self.app.state.redis.xadd(
            stream, {"event_id": str(envelope.event_id), "type": type, "body": envelope.to_json()}
        )
        await self.consumer.process_once(block_ms=None)
        return envelope

    def case_view(self, **overrides: Any) -> dict[str, Any]:
        case_no = overrides.pop("case_no", None) or f"{self.clock.now():%Y%m%d}-{next(self._numbers):06d}"
        location = {
            "district_code": "D03",
            "street_code": "D03-S02",
            "community_code": "D03-S02-C01",
            "grid_code": None,
            "address": "朝阳区某小区3号楼",
            "lat": None,
            "lon": None,
            "district_name": "朝阳区",
            "street_name": "朝外街道",
            "community_name": "吉祥里社区",
        }
        location.update(overrides.pop("location", {}))
        view = {
            "case_no": case_no,
            "lookup_code": "ABC234",
            "channel": "phone",
            "category": "complaint",
            "topic_code": "CG-SRHJ-ZDJY",
            "topic_name": "城市管理 › 市容环境 › 占道经营",
            "urgency": "normal",
            "title": "占道经营",
            "description": "小区门口长期占道经营，晚上噪音很大",
            "location": location,
            "caller": {"name": "张三", "phone": "13812345678", "confidential": False},
            "caller_masked": {"name": "张*", "phone": "138****5678"},
            "confidential": False,
            "received_at": self.clock.now().isoformat(),
            "registered_by": {"subject": "op-1", "role": "operator", "station_id": None},
            "demand_count": 1,
        }
        view.update(overrides)
        return view

    async def receive(self, **overrides: Any) -> str:
        """A case.received from intake; returns the case number."""
        view = self.case_view(**overrides)
        await self.deliver(INTAKE_STREAM, "case.received", view, case_no=view["case_no"])
        return str(view["case_no"])

    async def orders_of(self, case_no: str) -> list[dict[str, Any]]:
        r = await self.client.get("/api/v1/orders", params={"case_no": case_no, "limit": 200}, headers=SUPERVISOR)
        assert r.status_code == 200, r.text
        return sorted(r.json()["items"], key=lambda o: o["order_id"])

    async def lead(self, case_no: str) -> dict[str, Any]:
        leads = [o for o in await self.orders_of(case_no) if o["role"] == "lead"]
        return await self.order(leads[-1]["order_id"])

    async def order(self, order_id: str) -> dict[str, Any]:
        r = await self.client.get(f"/api/v1/orders/{order_id}", headers=SUPERVISOR)
        assert r.status_code == 200, r.text
        return dict(r.json())

    async def act(self, order: dict[str, Any], action: str, body: dict[str, Any] | None = None) -> httpx.Response:
        return await self.client.post(
            f"/api/v1/orders/{order['order_id']}/{action}", json=body, headers=unit(order["unit_id"])
        )

    async def ok(self, order: dict[str, Any], action: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        r = await self.act(order, action, body)
        assert r.status_code in (200, 201), r.text
        return dict(r.json())

    async def handle_to_reply(self, order: dict[str, Any], *, solved: bool = True) -> dict[str, Any]:
        await self.ok(order, "sign")
        await self.ok(order, "contact", {"note": "电话联系，已说明处理安排"})
        return await self.ok(order, "reply", {"result": "已现场处置，摊贩已清理", "solved": solved})

    async def rate(self, order: dict[str, Any], *, satisfaction: str = "unsatisfied", at_fault: bool = True) -> None:
        await self.deliver(
            FEEDBACK_STREAM,
            "case.rated",
            {
                "case_no": order["case_no"],
                "order_id": order["order_id"],
                "reply_seq": order["reply_seq"],
                "satisfaction": satisfaction,
                "solved": False,
                "comment": "问题没有解决",
                "source": "callback",
                "unit_at_fault": at_fault,
            },
            case_no=order["case_no"],
        )

    async def events(self, type: str | None = None, case_no: str | None = None) -> list[EventEnvelope]:
        async with self.db.transaction() as session:
            rows = (await session.execute(select(events.outbox.c.body).order_by(events.outbox.c.id))).scalars()
            found = [EventEnvelope.from_json(body) for body in rows]
        return [e for e in found if (type is None or e.type == type) and (case_no is None or e.case_no == case_no)]

    async def recompute(self) -> int:
        return await recompute.run_pending(self.db, self.rt)


def at(text: str) -> datetime:
    """'2026-10-10 17:30' in Shanghai."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None

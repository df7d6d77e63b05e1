"""The overdue and near-due lists through the API: every filter, the as_of look-ahead, paging,
the order by lateness, and who may see what.

Orders are received on Monday 2026-11-02 at 09:00 (no holiday that week):
  cg_a   complaint  城管 U-CG-001     D03 / D03-S02 / D03-S02-C01   sign-for + first contact due 11-03 17:30
  cg_e   urgent     城管 U-CG-001     D03 / D03-S02                 signed and contacted: reply due 11-03 09:00,
                                                                  yellow from 11-03 03:00 (75 % of 24 h)
  rs_b   consult    人社局 U-RS-001   D01 / D01-S02                 sign-for due 11-03 17:30
  hb_c   help       生态环境局 U-HB-001 (lead) and 住建委 U-ZJ-001 (co)
                                      D03 / D03-S01 / D03-S01-C01   sign-for due 11-03 17:30, both orders
  sw_d   utilities  自来水 U-SW-001   D01 / D01-S01 / D01-S01-C01   sign-for due 09:30 (30 minutes)
  paused (人社局) and done (城管, replied) are on no list.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ..kit import ADMIN, OPERATOR, PUBLIC, SUPERVISOR, Kit, at, unit
from .helpers import area_supervisor, open_orders, sweep

OVERDUE, NEAR_DUE = "/api/v1/supervision/overdue", "/api/v1/supervision/near-due"
THU_0900 = "2026-11-04T09:00:00+08:00"


@pytest.fixture
async def orders(kit: Kit) -> dict[str, dict[str, Any]]:
    return await open_orders(kit)


def ids(orders: dict[str, dict[str, Any]], *names: str) -> list[str]:
    return [orders[n]["order_id"] for n in names]


def by_id(orders: dict[str, dict[str, Any]], *names: str) -> list[str]:
    """Orders due at the same instant are listed by order id."""
    return sorted(ids(orders, *names))


async def listed(
    client: httpx.AsyncClient, path: str, headers: dict[str, str] | None = None, **params: Any
) -> list[dict[str, Any]]:
    r = await client.get(path, params=params, headers=SUPERVISOR if headers is None else headers)
    assert r.status_code == 200, r.text
    assert r.json()["next_cursor"] is None
    return list(r.json()["items"])


async def overdue_ids(kit: Kit, headers: dict[str, str] | None = None, **params: Any) -> list[str]:
    return [row["order_id"] for row in await listed(kit.client, OVERDUE, headers, **params)]


async def test_overdue_now_and_looking_ahead_latest_first(kit: Kit, orders: dict[str, dict[str, Any]]) -> None:
    assert await overdue_ids(kit) == []  # 09:00: nothing is late yet

    noon = await listed(kit.client, OVERDUE, as_of="2026-11-02T12:00:00+08:00")
    assert [(r["order_id"], r["hours_late"], r["deadline_kind"]) for r in noon] == [
        (orders["sw_d"]["order_id"], 2.5, "sign")
    ]

    rows = await listed(kit.client, OVERDUE, as_of=THU_0900)
    expected = ids(orders, "sw_d", "cg_e") + by_id(orders, "cg_a", "rs_b", "hb_c", "zj_c")
    assert [r["order_id"] for r in rows] == expected
    assert [r["hours_late"] for r in rows] == [47.5, 24.0, 15.5, 15.5, 15.5, 15.5]
    first = rows[0]
    assert first == {
        **first,
        "case_no": orders["sw_d"]["case_no"],
        "unit_id": "U-SW-001",
        "due_at": "2026-11-02T09:30:00+08:00",
        "urge_level": None,  # nothing has urged it yet: the sweep has not seen it late
        "light": "red",
        "urgency": "utilities",
    }
    assert rows[1]["deadline_kind"] == "reply"
    # Nothing about the caller in a supervision row.
    assert "13812345678" not in str(rows)
    assert "张三" not in str(rows)


async def test_every_overdue_filter(kit: Kit, orders: dict[str, dict[str, Any]]) -> None:
    async def only(**params: Any) -> list[str]:
        return await overdue_ids(kit, as_of=THU_0900, **params)

    assert await only(unit_id="U-CG-001") == ids(orders, "cg_e", "cg_a")
    assert await only(unit_id="U-ZJ-001") == ids(orders, "zj_c")
    assert await only(district_code="D01") == ids(orders, "sw_d", "rs_b")
    assert await only(street_code="D01-S01") == ids(orders, "sw_d")
    assert await only(community_code="D03-S01-C01") == by_id(orders, "hb_c", "zj_c")
    assert await only(topic_code="HB-ZSWR-SGZS") == by_id(orders, "hb_c", "zj_c")
    # A parent topic takes in its sub-topics; a mere prefix of a code does not.
    assert await only(topic_code="CG-SRHJ") == ids(orders, "cg_e", "cg_a")
    assert await only(topic_code="CG") == ids(orders, "cg_e", "cg_a")
    assert await only(topic_code="CG-SRHJ-LJDF") == ids(orders, "cg_e")
    assert await only(topic_code="CG-SR") == []
    assert await only(topic_code="C_") == []
    assert await only(topic_code="cg") == []  # codes are case-sensitive, on SQLite as on PostgreSQL
    assert await only(category="consult") == ids(orders, "rs_b")
    assert await only(urgency="urgent") == ids(orders, "cg_e")
    assert await only(urgency="utilities") == ids(orders, "sw_d")
    assert await only(urgency="normal") == by_id(orders, "cg_a", "rs_b", "hb_c", "zj_c")
    assert await only(min_hours_late=20) == ids(orders, "sw_d", "cg_e")
    assert await only(min_hours_late=24) == ids(orders, "sw_d", "cg_e")  # exactly 24 h late counts
    assert await only(min_hours_late=24.01) == ids(orders, "sw_d")
    assert await only(unit_id="U-CG-001", urgency="normal") == ids(orders, "cg_a")
    assert await only(district_code="D01", category="complaint") == []


async def test_paging_through_the_overdue_list_loses_and_repeats_nothing(
    kit: Kit, orders: dict[str, dict[str, Any]]
) -> None:
    whole = await overdue_ids(kit, as_of=THU_0900)
    seen: list[str] = []
    newcomer = ""
    r = await kit.client.get(OVERDUE, params={"as_of": THU_0900, "limit": 2}, headers=SUPERVISOR)
    pages = 1
    while True:
        assert r.status_code == 200, r.text
        body = r.json()
        assert len(body["items"]) <= 2
        seen += [row["order_id"] for row in body["items"]]
        if pages == 1:
            # A new order arriving between two pages (due 09:15 Monday, so it sorts first) does not
            # shift the pages still to come.
            newcomer = (await kit.lead(await kit.receive(urgency="urgent")))["order_id"]
        if body["next_cursor"] is None:
            break
        # The cursor carries the list's as_of: the next page needs no as_of and keeps the same moment.
        r = await kit.client.get(OVERDUE, params={"cursor": body["next_cursor"], "limit": 2}, headers=SUPERVISOR)
        assert r.json()["as_of"] == THU_0900
        pages += 1
    assert (pages, seen) == (3, whole)
    assert len(set(seen)) == len(seen) == 6
    assert await overdue_ids(kit, as_of=THU_0900) == [newcomer, *whole]

    r = await kit.client.get(OVERDUE, params={"as_of": THU_0900, "limit": 2}, headers=SUPERVISOR)
    mixed = await kit.client.get(
        OVERDUE,
        params={"cursor": r.json()["next_cursor"], "as_of": "2026-11-05T09:00:00+08:00"},
        headers=SUPERVISOR,
    )
    assert mixed.status_code == 422
    assert "as_of" in mixed.json()["detail"]
    forged = await kit.client.get(OVERDUE, params={"cursor": "bm90LWEtY3Vyc29y"}, headers=SUPERVISOR)
    assert forged.status_code == 422


async def test_near_due_yellow_and_within_hours(kit: Kit, orders: dict[str, dict[str, Any]]) -> None:
    # No window: the yellow orders, i.e. 75 % of the reply time used and not yet late.
    assert await listed(kit.client, NEAR_DUE) == []
    yellow = await listed(kit.client, NEAR_DUE, as_of="2026-11-03T04:00:00+08:00")
    assert [(r["order_id"], r["hours_left"], r["light"]) for r in yellow] == [
        (orders["cg_e"]["order_id"], 5.0, "yellow")
    ]
    assert yellow[0]["warn_at"] == "2026-11-03T03:00:00+08:00"

    def near(rows: list[dict[str, Any]]) -> list[str]:
        return [r["order_id"] for r in rows]

    assert near(await listed(kit.client, NEAR_DUE, within_hours=1)) == ids(orders, "sw_d")
    soon = await listed(kit.client, NEAR_DUE, within_hours=30)
    assert [(r["order_id"], r["hours_left"]) for r in soon] == [
        (orders["sw_d"]["order_id"], 0.5),
        (orders["cg_e"]["order_id"], 24.0),
    ]
    assert near(await listed(kit.client, NEAR_DUE, within_hours=36)) == ids(orders, "sw_d", "cg_e") + by_id(
        orders, "cg_a", "rs_b", "hb_c", "zj_c"
    )
    assert near(await listed(kit.client, NEAR_DUE, within_hours=36, unit_id="U-HB-001")) == ids(orders, "hb_c")
    assert near(await listed(kit.client, NEAR_DUE, within_hours=36, district_code="D01")) == ids(orders, "sw_d", "rs_b")
    assert near(await listed(kit.client, NEAR_DUE, within_hours=36, urgency="urgent", category="help")) == ids(
        orders, "cg_e"
    )
    assert near(await listed(kit.client, NEAR_DUE, within_hours=36, topic_code="CG-SRHJ-ZDJY")) == ids(orders, "cg_a")
    # An order that is already late is on the overdue list, not this one.
    later = await listed(kit.client, NEAR_DUE, within_hours=24, as_of="2026-11-02T10:00:00+08:00")
    assert orders["sw_d"]["order_id"] not in near(later)

    r = await kit.client.get(NEAR_DUE, params={"within_hours": 36, "limit": 4}, headers=SUPERVISOR)
    page2 = await kit.client.get(
        NEAR_DUE, params={"within_hours": 36, "cursor": r.json()["next_cursor"]}, headers=SUPERVISOR
    )
    assert page2.json()["next_cursor"] is None
    assert near(r.json()["items"]) + near(page2.json()["items"]) == near(
        await listed(kit.client, NEAR_DUE, within_hours=36)
    )


@pytest.mark.parametrize("path", [OVERDUE, NEAR_DUE])
async def test_bad_list_parameters_are_clear_4xx(kit: Kit, path: str) -> None:
    for params in (
        {"as_of": "2026-11-04T09:00:00"},  # no offset
        {"as_of": "1999-12-31T00:00:00+08:00"},
        # Still 2099 in UTC but 2100 in Beijing: the range is Beijing time, as everywhere else.
        {"as_of": "2100-01-01T05:00:00+08:00"},
        {"urgency": "very"},
        {"limit": 0},
        {"unit_id": "../etc"},
    ):
        r = await kit.client.get(path, params=params, headers=SUPERVISOR)
        assert r.status_code == 422, (params, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")


async def test_who_may_read_the_lists(kit: Kit, orders: dict[str, dict[str, Any]]) -> None:
    r = await kit.client.get(OVERDUE)
    assert r.status_code == 401
    for role in (PUBLIC, OPERATOR):
        for path in (OVERDUE, NEAR_DUE):
            r = await kit.client.get(path, headers=role)
            assert r.status_code == 403, r.text
            assert r.headers["content-type"].startswith("application/problem+json")
    assert len(await overdue_ids(kit, ADMIN, as_of=THU_0900)) == 6

    # A unit sees its own late orders, and asking for another unit's is refused.
    assert await overdue_ids(kit, unit("U-CG-001"), as_of=THU_0900) == ids(orders, "cg_e", "cg_a")
    r = await kit.client.get(OVERDUE, params={"unit_id": "U-RS-001"}, headers=unit("U-CG-001"))
    assert r.status_code == 403


async def test_a_supervisor_limited_to_an_area_sees_only_that_area(kit: Kit, orders: dict[str, dict[str, Any]]) -> None:
    d01 = area_supervisor("D01")
    assert await overdue_ids(kit, d01, as_of=THU_0900) == ids(orders, "sw_d", "rs_b")
    assert await overdue_ids(kit, area_supervisor("D01-S01"), as_of=THU_0900) == ids(orders, "sw_d")
    assert await overdue_ids(kit, area_supervisor("D03-S01"), as_of=THU_0900) == by_id(orders, "hb_c", "zj_c")
    assert await overdue_ids(kit, area_supervisor("D03-S01-C01"), as_of=THU_0900) == by_id(orders, "hb_c", "zj_c")
    near = await listed(kit.client, NEAR_DUE, d01, within_hours=36)
    assert [r["order_id"] for r in near] == ids(orders, "sw_d", "rs_b")
    # Filters narrow the area further; they never widen it.
    assert await overdue_ids(kit, d01, as_of=THU_0900, unit_id="U-CG-001") == []
    assert await overdue_ids(kit, d01, as_of=THU_0900, district_code="D01", urgency="normal") == ids(orders, "rs_b")
    r = await kit.client.get(OVERDUE, params={"district_code": "D03"}, headers=d01)
    assert r.status_code == 403
    assert "D01" in r.json()["detail"]
    # One order's supervision page, outside the area: refused; inside: shown.
    outside = await kit.client.get(f"/api/v1/supervision/orders/{orders['cg_a']['order_id']}", headers=d01)
    assert outside.status_code == 403
    inside = await kit.client.get(f"/api/v1/supervision/orders/{orders['rs_b']['order_id']}", headers=d01)
    assert inside.status_code == 200
    # A key whose area supervision cannot place is refused, not widened to the whole city.
    r = await kit.client.get(OVERDUE, headers=area_supervisor("D99"))
    assert r.status_code == 403


async def test_an_area_supervisor_reads_only_that_areas_work_orders(
    kit: Kit, orders: dict[str, dict[str, Any]]
) -> None:
    async def order_ids(headers: dict[str, str]) -> set[str]:
        r = await kit.client.get("/api/v1/orders", params={"limit": 200}, headers=headers)
        assert r.status_code == 200, r.text
        return {o["order_id"] for o in r.json()["items"]}

    everything = await order_ids(SUPERVISOR)
    in_d01 = await order_ids(area_supervisor("D01"))
    assert set(ids(orders, "sw_d", "rs_b")) <= in_d01 < everything
    assert in_d01.isdisjoint(ids(orders, "cg_a", "cg_e", "hb_c", "zj_c"))
    assert await order_ids(area_supervisor("D01-S01")) == set(ids(orders, "sw_d"))
    # One order outside the area is as unknown as a missing one; inside, it is shown.
    outside = await kit.client.get(f"/api/v1/orders/{orders['cg_a']['order_id']}", headers=area_supervisor("D01"))
    assert outside.status_code == 404
    inside = await kit.client.get(f"/api/v1/orders/{orders['rs_b']['order_id']}", headers=area_supervisor("D01"))
    assert inside.status_code == 200
    # A key whose area cannot be placed is refused, not widened to the whole city.
    r = await kit.client.get("/api/v1/orders", headers=area_supervisor("D99"))
    assert r.status_code == 403


async def test_orders_carry_their_light_and_can_be_listed_by_it(kit: Kit, orders: dict[str, dict[str, Any]]) -> None:
    kit.clock.set(at("2026-11-04 09:00"))
    await sweep(kit)

    async def with_light(light: str, headers: dict[str, str] = SUPERVISOR) -> list[str]:
        r = await kit.client.get("/api/v1/orders", params={"light": light, "limit": 200}, headers=headers)
        assert r.status_code == 200, r.text
        assert {o["light"] for o in r.json()["items"]} <= {light}
        return sorted(o["order_id"] for o in r.json()["items"])

    assert await with_light("red") == by_id(orders, "sw_d", "cg_e", "cg_a", "rs_b", "hb_c", "zj_c")
    # Paused before anything was late: still green. The replied one is finished, so on no light list.
    assert await with_light("green") == ids(orders, "paused")
    assert await with_light("yellow") == []
    assert await with_light("red", unit("U-CG-001")) == by_id(orders, "cg_e", "cg_a")

    detail = await kit.order(orders["sw_d"]["order_id"])
    assert (detail["light"], detail["urge_level"]) == ("red", "supervise")
    done = await kit.order(orders["done"]["order_id"])
    assert (done["light"], done["urge_level"]) == ("green", None)
    r = await kit.client.get("/api/v1/orders", params={"light": "blue"}, headers=SUPERVISOR)
    assert r.status_code == 422

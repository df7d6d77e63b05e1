"""The audit log: every write and every staff read of personal data, queryable by admins."""

from __future__ import annotations

import httpx
from hotline_shared.pagination import encode_cursor

from .conftest import KeyMaker

AUDIT = "/api/v1/audit"


async def test_writes_and_personal_data_reads_are_audited_other_reads_are_not(
    client: httpx.AsyncClient, make_key: KeyMaker
) -> None:
    admin = await make_key("admin", name="it-admin")
    operator = await make_key("operator", name="seat-07")
    await client.get("/api/v1/cases?q=13812345678", headers=operator)  # personal data search: audited
    await client.get("/api/v1/cases/20261123-000001", headers=operator, params={"x": "1"})  # audited (404 too)
    await client.get("/api/v1/catalog/topics", headers=operator)  # reference data: not audited
    await client.post("/api/v1/cases", json={"channel": "fax"}, headers=operator)  # a write, even a refused one
    await client.get("/api/v1/public/board")  # public read: not audited
    await client.get("/api/v1/admin/api-keys", headers=operator)  # 403, not a write: not audited

    page = (await client.get(AUDIT, params={"subject": "seat-07"}, headers=admin)).json()
    rows = page["items"]
    assert [(r["method"], r["route"]) for r in rows] == [
        ("POST", "/api/v1/cases"),
        ("GET", "/api/v1/cases/{case_no}"),
        ("GET", "/api/v1/cases"),
    ]
    write, read_one, search = rows
    assert write["status"] == 422
    assert write["service"] == "intake"
    assert write["role"] == "operator"
    assert read_one["path"] == "/api/v1/cases/20261123-000001"
    assert read_one["query"] == "x=1"
    assert search["query"] == "q=13812345678"
    assert all(r["client_ip"] == "127.0.0.1" and r["request_id"] for r in rows)
    assert all(r["at"].startswith("2026-11-23T09:30") for r in rows)


async def test_admin_actions_on_keys_are_audited(client: httpx.AsyncClient, make_key: KeyMaker) -> None:
    admin = await make_key("admin", name="it-admin")
    created = (
        await client.post("/api/v1/admin/api-keys", json={"name": "op-9", "role": "operator"}, headers=admin)
    ).json()
    await client.post(f"/api/v1/admin/api-keys/{created['id']}/revoke", headers=admin)
    rows = (await client.get(AUDIT, params={"service": "gateway"}, headers=admin)).json()["items"]
    assert [(r["route"], r["status"]) for r in rows] == [
        ("/api/v1/admin/api-keys/{key_id}/revoke", 200),
        ("/api/v1/admin/api-keys", 201),
    ]
    # The secret in the create answer is never written to the audit log.
    assert created["key"] not in str(rows)


async def test_public_writes_are_audited_without_their_query(client: httpx.AsyncClient, make_key: KeyMaker) -> None:
    admin = await make_key("admin")
    await client.post("/api/v1/public/cases/20261123-000001/rating?code=ABC234", json={"satisfaction": "satisfied"})
    rows = (await client.get(AUDIT, params={"role": "public"}, headers=admin)).json()["items"]
    assert len(rows) == 1
    assert rows[0]["subject"] == "public"
    assert rows[0]["query"] is None
    assert "ABC234" not in str(rows)


async def test_audit_filters_and_pagination(client: httpx.AsyncClient, make_key: KeyMaker) -> None:
    admin = await make_key("admin", name="it-admin")
    operator = await make_key("operator", name="seat-01")
    for i in range(7):
        await client.get(f"/api/v1/cases/20261123-00000{i}", headers=operator)
    seen = []
    cursor = None
    while True:
        params = {
            "subject": "seat-01",
            "path": "/api/v1/cases/2026",
            "limit": 3,
            **({"cursor": cursor} if cursor else {}),
        }
        page = (await client.get(AUDIT, params=params, headers=admin)).json()
        seen += [r["path"] for r in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [f"/api/v1/cases/20261123-00000{i}" for i in reversed(range(7))]
    assert (await client.get(AUDIT, params={"method": "POST", "subject": "seat-01"}, headers=admin)).json()[
        "items"
    ] == []
    assert (await client.get(AUDIT, params={"path": "/api/v1/cases/2026_"}, headers=admin)).json()["items"] == []
    window = {"from": "2026-11-23T09:00:00+08:00", "to": "2026-11-23T10:00:00+08:00", "subject": "seat-01"}
    assert len((await client.get(AUDIT, params=window, headers=admin)).json()["items"]) == 7
    empty = {"from": "2026-11-23T10:00:00+08:00", "to": "2026-11-23T09:00:00+08:00"}
    assert (await client.get(AUDIT, params=empty, headers=admin)).status_code == 422


async def test_only_admins_read_the_audit_log(client: httpx.AsyncClient, make_key: KeyMaker) -> None:
    for role, extra in (("operator", {}), ("supervisor", {}), ("unit", {"unit_id": "U-1"})):
        r = await client.get(AUDIT, headers=await make_key(role, **extra))
        assert r.status_code == 403, role
    assert (await client.get(AUDIT)).status_code == 401


async def test_regression_audit_time_filters_at_the_edge_of_the_calendar_are_a_422(
    client: httpx.AsyncClient, make_key: KeyMaker
) -> None:
    # Found by a random fuzz run: `to=0001-01-01T00:00:00+01:00` overflowed on its way to UTC (500).
    admin = await make_key("admin")
    for name, value in (("to", "0001-01-01T00:00:00+01:00"), ("from", "9999-12-31T23:59:59-12:00")):
        r = await client.get(AUDIT, params={name: value}, headers=admin)
        assert r.status_code == 422, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert [e["field"] for e in r.json()["errors"]] == [f"query.{name}"]
    window = {"from": "2000-01-01T00:00:00+08:00", "to": "2099-12-31T00:00:00+08:00"}
    assert (await client.get(AUDIT, params=window, headers=admin)).status_code == 200


async def test_regression_an_audit_cursor_beyond_any_id_is_a_422(client: httpx.AsyncClient, make_key: KeyMaker) -> None:
    admin = await make_key("admin")
    cursor = encode_cursor({"id": 10**30})
    r = await client.get(AUDIT, params={"cursor": cursor}, headers=admin)
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["query.cursor"]

"""Text no database can store never makes a 500: control characters in the URL are refused at the edge,
and a value the database refuses is a 422.

The CI run that found `GET /board?district_code=%00...` answering 500 on PostgreSQL (and 200 on
SQLite) is the reason this guard exists; these tests pin it for every kind of input.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI, Request
from hotline_shared.db import Database
from hotline_shared.errors import install_error_handlers
from hotline_shared.input_guard import InputGuard
from hotline_shared.testing import DatabaseFactory
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select

JSON = {"Content-Type": "application/json"}
metadata = MetaData()
notes = Table("notes", metadata, Column("id", Integer, primary_key=True), Column("text", String(10), nullable=False))


def make_app(db: Database) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.add_middleware(InputGuard)

    # Deliberately unvalidated, like a filter or field someone forgot to constrain.
    @app.get("/notes")
    async def search(text: str = "") -> dict[str, int]:
        async with db.transaction() as session:
            count = await session.scalar(select(func.count()).select_from(notes).where(notes.c.text == text))
        return {"count": int(count or 0)}

    @app.post("/notes", status_code=201)
    async def create(request: Request) -> dict[str, str]:
        payload = await request.json()
        async with db.transaction() as session:
            await session.execute(insert(notes).values(text=payload["text"]))
        return {"stored": payload["text"]}

    return app


@pytest.fixture
async def db(database_factory: DatabaseFactory) -> AsyncIterator[Database]:
    database = Database(database_factory.empty("guard"))
    async with database.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield database
    await database.dispose()


@pytest.fixture
async def client(db: Database) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=make_app(db))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c


async def stored(db: Database) -> list[str]:
    async with db.transaction() as session:
        return list((await session.scalars(select(notes.c.text).order_by(notes.c.id))).all())


async def test_a_nul_byte_in_a_query_filter_is_a_422_naming_the_parameter(client: httpx.AsyncClient) -> None:
    response = await client.get("/notes?text=%00%14%C2%8CP")
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    (error,) = response.json()["errors"]
    assert error["field"] == "query.text"
    assert error["code"] == "control_character"
    assert "query.text" in response.json()["detail"]


async def test_a_line_break_in_the_address_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.get("/notes%0A")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "path"


async def test_ordinary_chinese_filters_pass_untouched(client: httpx.AsyncClient) -> None:
    response = await client.get("/notes", params={"text": "噪音扰民 %00 字面"})
    assert response.status_code == 200
    assert response.json() == {"count": 0}


async def test_a_nul_in_a_body_is_never_a_500(
    client: httpx.AsyncClient, db: Database, database_factory: DatabaseFactory
) -> None:
    # Bodies are each route's to validate (a batch refuses one item, not the request); what a
    # route lets through, PostgreSQL refuses with SQLSTATE 22021, and that is a 422.
    response = await client.post("/notes", content=b'{"text": "ab\\u0000c"}', headers=JSON)
    if database_factory.backend == "postgresql":
        assert response.status_code == 422
        assert response.json()["sqlstate"] == "22021"
        assert await stored(db) == []
    else:
        assert response.status_code == 201
        assert await stored(db) == ["ab\x00c"]


async def test_a_lone_surrogate_in_a_body_is_never_a_500(client: httpx.AsyncClient, db: Database) -> None:
    response = await client.post("/notes", content=b'{"text": "x\\ud800"}', headers=JSON)
    assert response.status_code == 422, response.text
    assert await stored(db) == []


async def test_a_value_the_database_refuses_is_a_422_and_nothing_is_saved(
    client: httpx.AsyncClient, db: Database, database_factory: DatabaseFactory
) -> None:
    response = await client.post("/notes", json={"text": "far longer than ten characters"})
    if database_factory.backend == "postgresql":
        # varchar(10) is enforced: SQLSTATE 22001, mapped to a problem the caller can act on.
        assert response.status_code == 422
        assert response.json()["sqlstate"] == "22001"
        assert "nothing was saved" in response.json()["detail"]
        assert await stored(db) == []
    else:
        # SQLite does not enforce declared lengths; the value is simply stored.
        assert response.status_code == 201
        assert await stored(db) == ["far longer than ten characters"]

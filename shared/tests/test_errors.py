"""What a client sees when its request is wrong: RFC 9457 problem+json naming what to fix."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from hotline_shared.errors import install_error_handlers
from pydantic import BaseModel, Field


class Body(BaseModel):
    description: str = Field(min_length=5)
    urgency: int


def make_app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/things")
    async def create(body: Body) -> dict[str, str]:
        return {"ok": "yes"}

    return app


async def _post(content: bytes) -> httpx.Response:
    transport = httpx.ASGITransport(app=make_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.post("/things", content=content, headers={"Content-Type": "application/json"})


async def test_broken_json_names_the_body_and_where_it_breaks() -> None:
    response = await _post(b'{"description": "abcdef", "urgency": 1')
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    (error,) = response.json()["errors"]
    assert error["field"] == "body"
    assert error["code"] == "json_invalid"
    assert error["message"].startswith("The body is not valid JSON at character ")
    assert "body" in response.json()["detail"]


async def test_field_errors_are_listed_each_with_its_place() -> None:
    response = await _post(b'{"description": "ab", "urgency": "high"}')
    assert response.status_code == 422
    body = response.json()
    assert body["type"].endswith("/validation")
    assert {e["field"] for e in body["errors"]} == {"body.description", "body.urgency"}
    assert "body.description" in body["detail"]

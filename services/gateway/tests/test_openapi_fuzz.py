"""Schemathesis fuzzes the gateway's own API (keys, audit) on the real app and database: no 5xx, ever."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
import schemathesis
from gateway.apikeys import service as keys
from gateway.apikeys.schemas import ApiKeyCreate
from gateway.config import MIGRATIONS_DIR, GatewaySettings
from gateway.main import create_app
from hotline_shared.app import make_clock
from hotline_shared.db import Database
from hotline_shared.testing import DatabaseFactory, ValkeyProcess
from hotline_shared.testing.apps import served
from hotline_shared.testing.fuzz import fuzz_checks, fuzz_settings
from hotline_shared.testing.identity import TEST_SECRET
from hypothesis import given
from schemathesis.checks import response_schema_conformance
from schemathesis.schemas import APIOperation

from .conftest import SERVICE_URLS

# The gateway's own operations (no database needed to list them); each is its own test.
SCHEMA = schemathesis.openapi.from_dict(create_app(GatewaySettings(identity_secret=TEST_SECRET)).openapi())
OPERATIONS = [op.ok() for op in SCHEMA.get_all_operations()]


class LiveGateway:
    def __init__(self, url: str, headers: dict[str, str]) -> None:
        self.url = url
        self.headers = headers


@pytest.fixture(scope="module")
def live_gateway(database_factory: DatabaseFactory, valkey: ValkeyProcess) -> Iterator[LiveGateway]:
    config = GatewaySettings(
        env="test",
        database_url=database_factory.new("gateway", MIGRATIONS_DIR),
        redis_url=valkey.url,
        identity_secret=TEST_SECRET,
        **SERVICE_URLS,
    )

    async def admin_key() -> str:
        db = Database(config.database_url)
        try:
            async with db.transaction() as session:
                data = ApiKeyCreate(name="fuzz-admin", role="admin")
                return (await keys.create_key(session, data=data, actor="fuzz", clock=make_clock(config))).key
        finally:
            await db.dispose()

    key = asyncio.run(admin_key())
    with served(create_app(config), name="gateway") as url:
        yield LiveGateway(url, {"Authorization": f"Bearer {key}"})


@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.label for op in OPERATIONS])
def test_no_gateway_operation_answers_with_a_server_error(operation: APIOperation, live_gateway: LiveGateway) -> None:
    @given(case=operation.as_strategy())
    @fuzz_settings("GATEWAY_FUZZ_EXAMPLES", 25)
    def check(case: schemathesis.Case) -> None:
        response = case.call(base_url=live_gateway.url, headers=live_gateway.headers, allow_redirects=False)
        case.validate_response(response, checks=fuzz_checks())
        if response.status_code < 300:
            case.validate_response(response, checks=[response_schema_conformance])

    check()

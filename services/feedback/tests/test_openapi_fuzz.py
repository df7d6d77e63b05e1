"""Schemathesis fuzzes every operation of the real app, on its real database: no 5xx, ever."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import schemathesis
from feedback.config import FeedbackSettings
from feedback.main import create_app
from hotline_shared.clock import ManualClock
from hotline_shared.testing import DatabaseFactory, ValkeyProcess, signed_headers
from hotline_shared.testing.fuzz import fuzz_checks, fuzz_settings
from hotline_shared.testing.identity import TEST_SECRET
from hypothesis import given
from schemathesis.schemas import APIOperation

from .conftest import is_public, record_public
from .factories import MONDAY, Story
from .live import LiveServer, live_settings, seed, serve

H = timedelta(hours=1)


def _seed_stories() -> list:
    replied = Story("20261123-000900", name="吴九", phone="13800009999")
    closed = Story("20261123-000901", name="郑十", phone="13800001010", category="consult")
    confidential = Story("20261123-000902", name="冯十一", phone="13800001111", confidential=True)
    return [
        replied.received(MONDAY),
        replied.dispatched(MONDAY + H),
        replied.replied(MONDAY + 2 * H),
        closed.closed_at_intake(MONDAY),
        confidential.closed_at_intake(MONDAY),
    ]


@pytest.fixture(scope="module")
def fuzz_server(database_factory: DatabaseFactory, valkey: ValkeyProcess) -> Iterator[LiveServer]:
    clock = ManualClock(MONDAY + 3 * H)
    config = live_settings(database_factory, valkey.url)
    seed(config, clock, _seed_stories())
    with serve(config, clock) as server:
        yield server


# The operations are listed from the app's own OpenAPI (no database needed to build it), so each
# one is its own test; the cases run against the live server below.
SCHEMA = schemathesis.openapi.from_dict(create_app(FeedbackSettings(identity_secret=TEST_SECRET)).openapi())
OPERATIONS = [op.ok() for op in SCHEMA.get_all_operations()]


def role_for(path: str) -> str:
    if path.startswith(("/api/v1/public", "/board", "/track")):
        return "public"
    if path.startswith("/api/v1/reports"):
        return "supervisor"
    return "operator"


@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.label for op in OPERATIONS])
def test_no_operation_answers_with_a_server_error(operation: APIOperation, fuzz_server: LiveServer) -> None:
    @given(case=operation.as_strategy())
    @fuzz_settings("FEEDBACK_FUZZ_EXAMPLES", 20)
    def check(case: schemathesis.Case) -> None:
        headers = signed_headers(role_for(case.path))
        response = case.call(base_url=fuzz_server.url, headers=headers, allow_redirects=False)
        if is_public(case.formatted_path):
            record_public(case.formatted_path, response.content.decode("utf-8", "replace"))
        case.validate_response(response, checks=fuzz_checks())

    check()

"""The Python SDK against the real stack: idempotent writes, typed problems, cursor iteration,
and retries that honour Retry-After when the edge answers 503."""

from __future__ import annotations

import socket
import time
import uuid

import pytest
from hotline_client import AsyncHotlineClient, ConnectionFailed, HotlineClient, ProblemError, calls, models
from hotline_stack import Stack

from .helpers import case_body
from .netfaults import FlakyProxy


def new_case() -> models.CaseCreate:
    return models.CaseCreate.model_validate(case_body())


async def test_the_async_client_registers_once_per_idempotency_key(stack: Stack) -> None:
    key = str(uuid.uuid4())
    body = new_case()
    async with AsyncHotlineClient(url=stack.gateway_url, api_key=stack.api_key("operator")) as client:
        first = await client.send(calls.create_case(body, idempotency_key=key))
        again = await client.send(calls.create_case(body, idempotency_key=key))
        record = await client.send(calls.get_case(first.case_no))
    assert first.status == "received"
    assert again.case_no == first.case_no
    assert record.description == body.description


def test_a_refused_case_is_a_problem_naming_the_fields(stack: Stack) -> None:
    body = new_case().model_copy(update={"description": "吵", "topic_code": "NO-SUCH-TOPIC"})
    with HotlineClient(url=stack.gateway_url, api_key=stack.api_key("operator")) as client:
        with pytest.raises(ProblemError) as caught:
            client.send(calls.create_case(body))
        with pytest.raises(ProblemError) as missing:
            client.send(calls.get_case("20990101-999999"))
    problem = caught.value
    assert problem.status == 422
    assert problem.title
    assert problem.detail
    fields = {e.field for e in problem.errors}
    assert {"body.description", "body.topic_code"} <= fields
    assert all(e.message for e in problem.errors)
    assert missing.value.status == 404


def test_a_wrong_key_is_a_401_problem(stack: Stack) -> None:
    with (
        HotlineClient(url=stack.gateway_url, api_key="hk_not_a_real_key_000000000000") as client,
        pytest.raises(ProblemError) as caught,
    ):
        client.send(calls.list_cases())
    assert caught.value.status == 401


def test_lists_follow_next_cursor(stack: Stack) -> None:
    with HotlineClient(url=stack.gateway_url, api_key=stack.api_key("operator")) as client:
        for _ in range(3):
            client.send(calls.create_case(new_case()))
        one_page = client.send(calls.list_cases(limit=200)).items
        walked = [c.case_no for c in client.iterate(calls.list_cases(limit=2))]
    assert len(walked) > 2
    assert len(walked) == len(set(walked))
    # The stack is shared with other tests: there may be more cases than one page of 200 holds.
    expected = [c.case_no for c in one_page]
    assert walked[: len(expected)] == expected
    if len(expected) < 200:
        assert walked == expected


def test_a_503_with_retry_after_is_waited_out_and_the_write_happens_once(stack: Stack) -> None:
    body = new_case()
    with FlakyProxy(stack.gateway_url) as proxy:
        proxy.unavailable(2, retry_after=1)
        with HotlineClient(url=proxy.url, api_key=stack.api_key("operator"), retries=3) as client:
            started = time.monotonic()
            accepted = client.send(calls.create_case(body))
            waited = time.monotonic() - started
            found = [c for c in client.iterate(calls.list_cases(limit=50, q=body.description[:8]))
                     if c.case_no == accepted.case_no]  # fmt: skip
    assert proxy.refused_503 == 2
    assert waited >= 2.0  # Retry-After: 1, twice
    assert len(found) == 1


def test_when_the_edge_stays_unavailable_the_503_is_raised_not_swallowed(stack: Stack) -> None:
    with FlakyProxy(stack.gateway_url) as proxy:
        proxy.unavailable(10, retry_after=0)
        with (
            HotlineClient(url=proxy.url, api_key=stack.api_key("operator"), retries=2) as client,
            pytest.raises(ProblemError) as caught,
        ):
            client.send(calls.create_case(new_case()))
    assert caught.value.status == 503
    assert proxy.refused_503 == 3  # the first try and two retries


def test_nothing_listening_is_a_connection_failure_after_the_retries() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with (
        HotlineClient(url=url, api_key="hk_x", retries=1, backoff_max=0.1) as client,
        pytest.raises(ConnectionFailed),
    ):
        client.send(calls.topics())

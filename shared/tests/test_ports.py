"""Ports for test and demo servers never come from the range outgoing connections draw from."""

from __future__ import annotations

import socket

from hotline_shared.ports import ephemeral_port_floor, free_port_block, port_in_use


def test_a_port_block_lies_below_the_ephemeral_range_and_is_free() -> None:
    floor = ephemeral_port_floor()
    for _ in range(20):
        base = free_port_block(10)
        assert base + 10 <= floor, "a connection's source port could take one of these before the server binds"
        assert not any(port_in_use("127.0.0.1", p) for p in range(base, base + 10))


def test_a_listening_port_is_reported_in_use() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        assert port_in_use("127.0.0.1", s.getsockname()[1])

"""Fault-injection points, so tests can kill a real relay or consumer at the worst moment.

Production code passes no hook. A test passes a callable that, say, calls `os._exit` when it is
told the process has reached `consumer.after_commit` for the third time.

Points: `relay.before_xadd` (batch read from the outbox, not yet in the stream),
`relay.after_xadd` (batch in the stream, rows not yet marked published),
`consumer.before_commit` (handler done, transaction still open),
`consumer.after_commit` (effects and inbox row committed, message not yet acked).
"""

from __future__ import annotations

from collections.abc import Callable

FaultHook = Callable[[str], None]


def fault_point(hook: FaultHook | None, point: str) -> None:
    if hook is not None:
        hook(point)

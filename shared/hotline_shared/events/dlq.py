"""Dead letters: list what a consumer group parked, and replay it once the cause is fixed.

A dead-letter entry is the original stream entry (`event_id`, `type`, `body`) plus what went
wrong (`error`, `deliveries`, ...; see META_FIELDS). Replaying puts the original entry back on
its source stream and deletes the dead letter, atomically (MULTI/EXEC). Every group reading that
stream sees the replayed entry; groups that handled it already skip it through their inbox.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from .streams import dlq_stream

META_FIELDS = frozenset({"source_stream", "source_id", "group", "consumer", "error", "deliveries", "dead_at"})


def _s(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


@dataclass(frozen=True)
class DeadLetter:
    id: str
    group: str
    source_stream: str
    source_id: str
    error: str
    deliveries: int
    dead_at: str
    event_id: str | None
    type: str | None
    case_no: str | None
    original: dict[str, str]

    @classmethod
    def from_entry(cls, entry_id: Any, raw: dict[Any, Any]) -> DeadLetter:
        fields = {_s(k): _s(v) for k, v in raw.items()}
        original = {k: v for k, v in fields.items() if k not in META_FIELDS}
        return cls(
            id=_s(entry_id),
            group=fields.get("group", ""),
            source_stream=fields.get("source_stream", ""),
            source_id=fields.get("source_id", ""),
            error=fields.get("error", ""),
            deliveries=int(fields.get("deliveries") or 0),
            dead_at=fields.get("dead_at", ""),
            event_id=original.get("event_id"),
            type=original.get("type"),
            case_no=_case_no(original.get("body")),
            original=original,
        )


def _case_no(body: str | None) -> str | None:
    try:
        value = json.loads(body or "").get("case_no")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


class DeadLetterNotFound(LookupError):
    def __init__(self, ids: list[str]) -> None:
        super().__init__(f"no such dead letter: {', '.join(ids)}")
        self.ids = ids


async def list_dead_letters(redis: Redis, group: str, *, count: int = 100) -> list[DeadLetter]:
    """Oldest first."""
    entries: Any = await redis.xrange(dlq_stream(group), count=count)
    return [DeadLetter.from_entry(entry_id, fields) for entry_id, fields in entries]


async def count_dead_letters(redis: Redis, group: str) -> int:
    return int(await redis.xlen(dlq_stream(group)))


async def replay_dead_letters(
    redis: Redis, group: str, *, maxlen: int, ids: list[str] | None = None
) -> list[tuple[DeadLetter, str]]:
    """Put dead letters back on their source streams; all of them when `ids` is None.

    Returns (dead letter, new stream entry id) pairs. Raises DeadLetterNotFound, replaying
    nothing, when any requested id is not in the dead-letter stream.
    """
    stream = dlq_stream(group)
    if ids is None:
        entries: Any = await redis.xrange(stream)
        letters = [DeadLetter.from_entry(i, f) for i, f in entries]
    else:
        letters, missing = [], []
        for wanted in ids:
            found: Any
            try:
                found = await redis.xrange(stream, min=wanted, max=wanted)
            except ResponseError:  # not even a stream id
                found = []
            if found:
                letters.append(DeadLetter.from_entry(*found[0]))
            else:
                missing.append(wanted)
        if missing:
            raise DeadLetterNotFound(missing)
    replayed = []
    for letter in letters:
        if not letter.source_stream:
            raise ValueError(f"dead letter {letter.id} does not say which stream it came from")
        pipe = redis.pipeline(transaction=True)
        original: dict[Any, Any] = letter.original
        pipe.xadd(letter.source_stream, original, maxlen=maxlen, approximate=True)
        pipe.xdel(stream, letter.id)
        new_id, _ = await pipe.execute()
        replayed.append((letter, _s(new_id)))
    return replayed

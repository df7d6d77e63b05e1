"""Event bus on Redis Streams: envelope, transactional outbox, relay, idempotent consumers, dead letters."""

from .consumer import EventConsumer, Handler
from .dlq import DeadLetter, DeadLetterNotFound, list_dead_letters, replay_dead_letters
from .envelope import EventEnvelope
from .faults import FaultHook
from .outbox import Outbox
from .relay import OutboxRelay
from .streams import dlq_stream, stream_for
from .tables import EventTables, event_tables

__all__ = [
    "DeadLetter",
    "DeadLetterNotFound",
    "EventConsumer",
    "EventEnvelope",
    "EventTables",
    "FaultHook",
    "Handler",
    "Outbox",
    "OutboxRelay",
    "dlq_stream",
    "event_tables",
    "list_dead_letters",
    "replay_dead_letters",
    "stream_for",
]

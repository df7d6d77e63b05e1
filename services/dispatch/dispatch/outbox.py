from hotline_shared.clock import Clock
from hotline_shared.events import Outbox

from .models_base import events

PRODUCER = "dispatch"
CONSUMER_GROUP = "dispatch"
CONSUMED_STREAMS = ["hotline:events:intake", "hotline:events:feedback"]


def make_outbox(clock: Clock) -> Outbox:
    return Outbox(tables=events, producer=PRODUCER, clock=clock)

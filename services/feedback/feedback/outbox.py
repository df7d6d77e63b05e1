from fastapi import Request
from hotline_shared.clock import Clock
from hotline_shared.events import Outbox

from .models_base import events

PRODUCER = "feedback"
CONSUMER_GROUP = "feedback"


def make_outbox(clock: Clock) -> Outbox:
    return Outbox(tables=events, producer=PRODUCER, clock=clock)


def get_outbox(request: Request) -> Outbox:
    outbox: Outbox = request.app.state.outbox
    return outbox

"""Stream names: one stream per producing service, one dead-letter stream per consumer group."""

STREAM_PREFIX = "hotline:events:"
DLQ_PREFIX = "hotline:dlq:"


def stream_for(producer: str) -> str:
    return f"{STREAM_PREFIX}{producer}"


def dlq_stream(group: str) -> str:
    return f"{DLQ_PREFIX}{group}"

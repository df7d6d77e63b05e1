"""Common library of the hotline services.

Settings, database helpers, the event bus (outbox, relay, consumers), errors, clock, calendar,
identity and observability. Services import from here; nothing in here imports a service.
"""

"""Python SDK for the 12345 hotline gateway API: `HotlineClient` (sync), `AsyncHotlineClient`, typed
models, and `calls` describing every operation. The `hotline-client` command is built on it."""

from . import calls, models
from .calls import Call, Page
from .client import AsyncHotlineClient, HotlineClient
from .config import ClientSettings, load_settings
from .errors import ConnectionFailed, FieldProblem, HotlineError, ProblemError

__all__ = [
    "AsyncHotlineClient",
    "Call",
    "ClientSettings",
    "ConnectionFailed",
    "FieldProblem",
    "HotlineClient",
    "HotlineError",
    "Page",
    "ProblemError",
    "calls",
    "load_settings",
    "models",
]

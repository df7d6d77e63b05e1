"""The `hotline` command and the reusable `Stack` that starts the whole pipeline on one machine."""

from .config import Ports, StackConfig
from .stack import Stack, StackError

__all__ = ["Ports", "Stack", "StackConfig", "StackError"]

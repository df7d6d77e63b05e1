"""Test support shared by every service's suite: a real Valkey server and real, migrated databases."""

from .databases import DatabaseFactory
from .identity import signed_headers
from .valkey import ValkeyProcess

__all__ = ["DatabaseFactory", "ValkeyProcess", "signed_headers"]

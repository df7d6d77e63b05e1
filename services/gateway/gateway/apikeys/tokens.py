"""API key secrets: generated with `secrets`, stored only as SHA-256.

Keys are 256-bit random tokens, so a fast hash is enough (no salt or slow KDF needed: there is
nothing to brute-force), and it lets the gateway find a key by its hash with one indexed lookup.
"""

from __future__ import annotations

import hashlib
import secrets

KEY_PREFIX = "hk_"
DISPLAY_PREFIX_LEN = 10
MIN_KEY_LENGTH = 16


def generate_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def display_prefix(key: str) -> str:
    """Enough of the key for a person to tell keys apart in a list, far too little to use it."""
    return key[:DISPLAY_PREFIX_LEN]

"""The caller's address: the socket peer, or what a trusted proxy in front of us says it was."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(cidrs: Sequence[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(c, strict=False) for c in cidrs)


def _trusted(ip: str, networks: Sequence[Network]) -> bool:
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(addr in net for net in networks)


def client_ip(peer: str | None, forwarded_for: str | None, trusted: Sequence[Network]) -> str | None:
    """Walk X-Forwarded-For from the right, past our own proxies, to the first address we can't vouch for.

    A client can put anything at the left of the header, so only hops added by trusted proxies count.
    """
    if peer is None or not forwarded_for or not _trusted(peer, trusted):
        return peer
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return peer
        if not _trusted(hop, trusted):
            return hop
    return hops[0] if hops else peer


def forwarded_chain(peer: str | None, forwarded_for: str | None, trusted: Sequence[Network]) -> str | None:
    """The X-Forwarded-For to send on: the trusted chain so far plus the peer we saw."""
    if peer is None:
        return forwarded_for if forwarded_for else None
    if forwarded_for and _trusted(peer, trusted):
        return f"{forwarded_for}, {peer}"
    return peer

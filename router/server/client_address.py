"""The client's address: the TCP peer, or what trusted proxies say the client was.

``X-Forwarded-For`` and ``Forwarded`` are set by whoever sends the request, so they are believed
only when the peer is a configured proxy (``trusted_proxies``: addresses or networks; none by
default). The chain is read from the right: each hop added by a trusted proxy is skipped, and the
first address that is not one of ours is the client. A malformed hop stops the walk at the last
trusted proxy, never at a value the client wrote.

The address reaches subgraphs inside the router's signed service token (``client`` claim), never
in a header: a subgraph cannot tell a header the router set from one a client sent it directly.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_FORWARDED_FOR = re.compile(r'(?i)(?:^|[;,\s])for="?\[?([^]";,\s]+)\]?')


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """Networks from ``10.0.0.0/8``, ``127.0.0.1`` or ``::1`` (a bare address is a /32 or /128)."""
    return tuple(ipaddress.ip_network(value.strip(), strict=False) for value in values)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


class ClientAddresses:
    def __init__(self, trusted: Sequence[Network]) -> None:
        self.trusted = tuple(trusted)

    def is_trusted(self, address: ipaddress.IPv4Address | ipaddress.IPv6Address | None) -> bool:
        return address is not None and any(address in network for network in self.trusted)

    def client(self, peer: str | None, headers: Mapping[str, str]) -> str | None:
        """The client's address for a request from ``peer`` with ``headers`` (lower-case names)."""
        if peer is None or not self.trusted or not self.is_trusted(_address(peer)):
            return peer
        hops = self._hops(headers)
        client = peer
        for hop in reversed(hops):
            address = _address(hop)
            if address is None:
                return client
            client = str(address)
            if not self.is_trusted(address):
                return client
        return client

    @staticmethod
    def _hops(headers: Mapping[str, str]) -> list[str]:
        forwarded_for = headers.get("x-forwarded-for")
        if forwarded_for:
            return [hop for hop in forwarded_for.split(",") if hop.strip()]
        forwarded = headers.get("forwarded")
        if forwarded:
            return _FORWARDED_FOR.findall(forwarded)
        return []

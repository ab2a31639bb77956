"""X-Forwarded-For / Forwarded are believed only from configured proxies."""

from __future__ import annotations

import pytest

from router.server.client_address import ClientAddresses, parse_networks
from router.server.config import parse_router_config

pytestmark = pytest.mark.router
SPOOFED = {"x-forwarded-for": "203.0.113.9", "forwarded": "for=203.0.113.10"}


def test_nothing_is_trusted_by_default() -> None:
    addresses = ClientAddresses(parse_networks(parse_router_config({}).trusted_proxies))
    assert addresses.client("198.51.100.7", SPOOFED) == "198.51.100.7"
    assert addresses.client("127.0.0.1", SPOOFED) == "127.0.0.1"


def test_a_trusted_proxy_gives_the_first_untrusted_hop_from_the_right() -> None:
    addresses = ClientAddresses(parse_networks(["127.0.0.1", "10.0.0.0/8"]))
    # The client wrote 203.0.113.9 itself; nginx (10.0.0.2) appended the real peer 198.51.100.7.
    chain = {"x-forwarded-for": "203.0.113.9, 198.51.100.7, 10.0.0.2"}
    assert addresses.client("127.0.0.1", chain) == "198.51.100.7"
    assert addresses.client("198.51.100.50", chain) == "198.51.100.50"  # not a proxy of ours: ignored
    assert addresses.client("127.0.0.1", {"forwarded": 'for="[2001:db8::5]:443";proto=https'}) == "2001:db8::5"
    assert addresses.client("127.0.0.1", {"x-forwarded-for": "garbage, 10.0.0.3"}) == "10.0.0.3"
    assert addresses.client("127.0.0.1", {}) == "127.0.0.1"


def test_the_config_refuses_what_is_not_an_address() -> None:
    with pytest.raises(Exception, match="not an IP address"):
        parse_router_config({"trusted_proxies": ["nginx"]})

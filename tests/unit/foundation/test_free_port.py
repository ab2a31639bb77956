"""``free_port`` never hands out one port twice: the platform's tests pick nine ports before starting
anything, and two of them on one port made a CI run fail (nginx on the orders service's port)."""

from __future__ import annotations

import socket

import pytest

from tests.support.servers import free_port

pytestmark = pytest.mark.foundation


def test_two_thousand_ports_in_a_row_are_all_different_and_free() -> None:
    # With the kernel's ~28,000 ephemeral ports, 2,000 probes that each close their socket repeat a port
    # almost surely (the birthday bound); every one handed out must still be new.
    ports = [free_port() for _ in range(2000)]
    assert len(set(ports)) == len(ports)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", ports[-1]))  # and free when handed out

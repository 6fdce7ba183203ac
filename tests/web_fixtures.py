"""Fixtures for tests that fetch links: a local web server and a resolver the test controls.

Registered as a pytest plugin in tests/conftest.py, so tests ask for them by name instead of importing them.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from bench.web import LocalSite


def address_info(address: str, port: object) -> tuple:
    """One getaddrinfo result tuple for a TCP address, as the real resolver would return it."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    return (family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))


@pytest.fixture
def site() -> Iterator[LocalSite]:
    """A fresh local HTTP server per test."""
    server = LocalSite()
    yield server
    server.close()


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Let tests decide what chosen host names resolve to; every other name resolves normally."""
    answers: dict[str, list[str]] = {}
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host: str, port: object, *args: object, **kwargs: object) -> list:
        """Answer from the table when the host is in it."""
        if host not in answers:
            return real_getaddrinfo(host, port, *args, **kwargs)
        return [address_info(address, port) for address in answers[host].pop(0).split(",")]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers

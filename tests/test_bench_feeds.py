"""The feed benchmark's byte meter counts exactly what the server sends: status line, headers and body."""

from __future__ import annotations

import socket

from bench.feeds import ByteMeter
from bench.feed_site import FeedRoute, rss
from bench.web import LocalSite


def _raw_get(site: LocalSite, path: str, headers: str = "") -> bytes:
    """Every byte of the server's answer to one HTTP/1.0 GET."""
    with socket.create_connection((site.address, site.port)) as connection:
        connection.sendall(f"GET {path} HTTP/1.0\r\nHost: {site.address}\r\n{headers}\r\n".encode())
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    return received


def test_the_byte_meter_counts_a_full_answer_and_a_304_as_they_go_over_the_wire():
    meter = ByteMeter()
    with LocalSite() as site:
        site.routes["/feed"] = meter.counted(FeedRoute(rss("Kanal", [{"title": "Banjir", "content": "Air naik"}])))
        full = _raw_get(site, "/feed")
        assert meter.bytes == len(full) and b"Banjir" in full
        unchanged = _raw_get(site, "/feed", 'If-None-Match: "v1"\r\n')
        assert unchanged.startswith(b"HTTP/1.0 304") and meter.bytes == len(full) + len(unchanged)

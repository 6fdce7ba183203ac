"""A real local web server on 127.0.0.1 (for tests and the feed benchmark): routes per path, a fallback, and a record
of every request."""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Handler = Callable[[BaseHTTPRequestHandler], None]


def respond(handler: BaseHTTPRequestHandler, status: int, content_type: str | None, body: bytes, *,
            length: bool = True, headers: dict[str, str] | None = None) -> None:
    """Send a complete response: Content-Type (unless None), the other `headers`, Content-Length; without length
    the body simply ends when the connection closes."""
    handler.send_response(status)
    if content_type is not None:
        handler.send_header("Content-Type", content_type)
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    if length:
        handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    try:
        handler.wfile.write(body)
    except OSError:
        pass


def page(content_type: str, body: bytes, *, length: bool = True) -> Handler:
    """A route that answers 200 with a fixed body."""
    return lambda handler: respond(handler, 200, content_type, body, length=length)


def redirect(location: str) -> Handler:
    """A route that answers 302 with the given Location."""
    return lambda handler: respond(handler, 302, None, b"", headers={"Location": location})


def not_found(handler: BaseHTTPRequestHandler) -> None:
    """The answer for a path without a route."""
    respond(handler, 404, "text/plain", b"not here")


class LocalSite:
    """A real HTTP server on a loopback address with per-test routes, recording the requests it saw."""

    def __init__(self, address: str = "127.0.0.1", routes: dict[str, Handler] | None = None,
                 fallback: Handler = not_found) -> None:
        """Start the server on a random free port in a daemon thread (OSError if the address cannot be bound)."""
        self.address = address
        self.routes: dict[str, Handler] = dict(routes or {})
        self.requests: list[tuple[str, dict[str, str]]] = []
        site = self

        class RequestHandler(BaseHTTPRequestHandler):
            """Dispatches GETs (and POSTs, their body read and dropped) to the site's routes."""

            def do_GET(self) -> None:
                """Record the request and answer it with the matching route, or the fallback."""
                site.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                site.routes.get(self.path, fallback)(self)

            def do_POST(self) -> None:
                """Read the body, then answer as a GET."""
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.do_GET()

            def log_message(self, *args: object) -> None:
                """Keep test output quiet."""

        self.server = ThreadingHTTPServer((address, 0), RequestHandler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def paths(self) -> list[str]:
        """The paths requested so far, in order."""
        return [path for path, _ in self.requests]

    def url(self, path: str = "", host: str | None = None) -> str:
        """The full URL of a path on this server, optionally under another host name."""
        return f"http://{host or self.address}:{self.port}{path}"

    def close(self) -> None:
        """Stop serving and release the port."""
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> LocalSite:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

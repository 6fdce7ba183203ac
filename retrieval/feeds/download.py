"""Download a feed through the link fetcher's guard (public addresses only, pinned to the vetted IP, every redirect
hop vetted again, size and time limits), sending the validators of the last download so an unchanged feed costs one
304."""

from __future__ import annotations

from dataclasses import dataclass

from retrieval.ingest.documents import UserError
from retrieval.ingest.fetch import guarded, guarded_get, run_blocking
from retrieval.settings import Settings

ACCEPT = "application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, text/xml;q=0.9, " \
         "text/html;q=0.5, */*;q=0.1"


@dataclass(frozen=True)
class Download:
    """A downloaded document (or "not modified"), with the final URL and the validators for the next request."""

    url: str
    not_modified: bool
    body: bytes
    etag: str | None
    last_modified: str | None


def download_sync(url: str, settings: Settings, *, etag: str | None = None, last_modified: str | None = None,
                  allow_hosts: frozenset[str] = frozenset()) -> Download | UserError:
    """Blocking download (the feed work runs in worker threads)."""
    return run_blocking(download(url, settings, etag=etag, last_modified=last_modified, allow_hosts=allow_hosts))


async def download(url: str, settings: Settings, *, etag: str | None = None, last_modified: str | None = None,
                   allow_hosts: frozenset[str] = frozenset()) -> Download | UserError:
    """Download a feed or page, sending the last download's validators; every problem comes back as a UserError."""
    conditions = {name: value for name, value in (("If-None-Match", etag), ("If-Modified-Since", last_modified))
                  if value}
    fetched = await guarded(guarded_get(url.strip(), settings, allow_hosts, headers={"Accept": ACCEPT, **conditions}),
                            url, settings)
    if isinstance(fetched, UserError):
        return fetched
    return Download(fetched.url, fetched.status == 304, fetched.body, fetched.headers.get("etag"),
                    fetched.headers.get("last-modified"))

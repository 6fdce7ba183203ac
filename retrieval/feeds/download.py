"""Download a feed through the link fetcher's guard (public addresses only, pinned to the vetted IP, every redirect
hop vetted again, size and time limits), sending the validators of the last download so an unchanged feed costs one
304."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from urllib.parse import urljoin

import httpx

from retrieval.ingest.documents import UserError
from retrieval.ingest.fetch import (
    MAX_REDIRECTS,
    REDIRECT_STATUSES,
    USER_AGENT,
    _check_status,
    _content_type,
    _host_of,
    _normalised_hosts,
    _parse_url,
    _read_capped,
    _Refusal,
    _vetted_addresses,
)
from retrieval.settings import Settings

ACCEPT = "application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, text/xml;q=0.9, " \
         "text/html;q=0.5, */*;q=0.1"


@dataclass(frozen=True)
class Download:
    """A downloaded document (or "not modified"), with the final URL and the validators for the next request."""

    url: str
    not_modified: bool
    body: bytes
    mime: str
    etag: str | None
    last_modified: str | None


def download_sync(url: str, settings: Settings, *, etag: str | None = None, last_modified: str | None = None,
                  allow_hosts: frozenset[str] = frozenset()) -> Download | UserError:
    """Blocking download (the feed work runs in worker threads); in a thread of its own if a loop is running."""
    job = download(url, settings, etag=etag, last_modified=last_modified, allow_hosts=allow_hosts)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(job)
    results: list[Download | UserError] = []
    worker = threading.Thread(target=lambda: results.append(asyncio.run(job)), daemon=True)
    worker.start()
    worker.join()
    return results[0]


async def download(url: str, settings: Settings, *, etag: str | None = None, last_modified: str | None = None,
                   allow_hosts: frozenset[str] = frozenset()) -> Download | UserError:
    """Download a feed or page; every problem comes back as a UserError naming the address."""
    conditions = {name: value for name, value in (("If-None-Match", etag), ("If-Modified-Since", last_modified))
                  if value}
    try:
        return await asyncio.wait_for(_follow(url.strip(), settings, conditions, _normalised_hosts(allow_hosts)),
                                      timeout=settings.fetch_timeout_seconds)
    except _Refusal as refusal:
        return refusal.error
    except httpx.InvalidURL:
        return UserError("bad_url", "the link redirects to an invalid address", url)
    except (asyncio.TimeoutError, httpx.TimeoutException):
        return UserError("timeout", f"the site took longer than {settings.fetch_timeout_seconds:g} seconds to answer", url)
    except (httpx.HTTPError, OSError):
        return UserError("unreachable", "the site could not be reached", url)


async def _follow(url: str, settings: Settings, conditions: dict[str, str],
                  allow_hosts: frozenset[str]) -> Download:
    """Follow up to MAX_REDIRECTS redirects by hand, vetting each hop, and read the final answer within the size cap."""
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        target = _parse_url(current)
        private_ok = settings.fetch_allow_private or _host_of(target) in allow_hosts
        addresses = await _vetted_addresses(target, private_ok)
        response, client = await _send(target, addresses, settings, conditions)
        try:
            location = response.headers.get("location")
            if response.status_code in REDIRECT_STATUSES and location:
                current = urljoin(str(target), location.strip())
                continue
            etag, modified = response.headers.get("etag"), response.headers.get("last-modified")
            if response.status_code == 304:
                return Download(current, True, b"", "", etag, modified)
            _check_status(response.status_code, current)
            body = await _read_capped(response, settings.fetch_max_bytes, current)
            mime, _ = _content_type(response.headers.get("content-type", ""))
            return Download(current, False, body, mime, etag, modified)
        finally:
            await response.aclose()
            await client.aclose()
    raise _Refusal(UserError("too_many_redirects", f"the link redirects more than {MAX_REDIRECTS} times", url))


async def _send(url: httpx.URL, addresses: list[str], settings: Settings,
                conditions: dict[str, str]) -> tuple[httpx.Response, httpx.AsyncClient]:
    """GET from the first vetted address that accepts a connection, with Host and SNI on the real name."""
    headers = {"Host": url.netloc.decode("ascii"), "User-Agent": USER_AGENT, "Accept": ACCEPT, **conditions}
    extensions = {"sni_hostname": _host_of(url)} if url.scheme == "https" else {}
    last_error: Exception | None = None
    for address in addresses:
        client = httpx.AsyncClient(trust_env=False, follow_redirects=False, timeout=settings.fetch_timeout_seconds)
        try:
            request = client.build_request("GET", url.copy_with(host=address), headers=headers, extensions=extensions)
            return await client.send(request, stream=True), client
        except httpx.ConnectError as error:
            last_error = error
            await client.aclose()
        except BaseException:
            await client.aclose()
            raise
    raise last_error or httpx.ConnectError("no address")

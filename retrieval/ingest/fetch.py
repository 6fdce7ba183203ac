"""Fetch a linked article safely: public addresses only, pinned to the vetted IP, with size and time limits.

Every hop of a redirect chain is parsed, resolved and vetted again, and the connection goes to the
address that was checked (the original name travels in the Host header and TLS SNI), so a DNS answer
that changes between the check and the connection cannot point the fetch at an internal service.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import re
import socket
import threading
import zlib
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar, Union
from urllib.parse import urljoin

import httpx

from retrieval.ingest.documents import ArticleDraft, UserError
from retrieval.ingest.extract import extract_file, extract_html, extract_pdf, extract_text
from retrieval.ingest.substance import asks
from retrieval.settings import Settings

IPAddress = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]
T = TypeVar("T")

USER_AGENT = "TanyaBerita/1.0 (news question bot; fetches links users share)"
ACCEPT = "text/html,application/xhtml+xml,application/pdf;q=0.9,text/plain;q=0.8"
ACCEPT_ENCODING = "gzip, deflate"
GZIP_ENCODINGS = frozenset({"gzip", "x-gzip"})
MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
CONTENT_KINDS = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/plain": "text",
    "application/pdf": "pdf",
}
SNIFFED_TYPES = frozenset({"", "application/octet-stream"})
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(address)
    for address in ("169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200")
)
SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")
NAT64_PREFIX = ipaddress.ip_network("64:ff9b::/96")
MAX_LINK_MESSAGE_WORDS = 12
FETCH_THREADS = 4

_HOST_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
_URL_IN_TEXT = re.compile(r"(?:https?://|www\.)[^\s<>\"'`]+", re.IGNORECASE)
_TRAILING_PUNCTUATION = ".,;:!?'\"»›”’…"
_CLOSING_BRACKETS = {")": "(", "]": "[", "}": "{"}


_FETCH_THREADS = ThreadPoolExecutor(max_workers=FETCH_THREADS, thread_name_prefix="tanya-fetch")


class _Refusal(Exception):
    """Internal: carries a UserError out of nested helpers; never leaves this module."""

    def __init__(self, error: UserError) -> None:
        """Remember the error to return."""
        super().__init__(error.message)
        self.error = error


async def fetch_article(
    url: str, settings: Settings, *, allow_hosts: frozenset[str] = frozenset()
) -> ArticleDraft | UserError:
    """Download the page a user linked to and extract its article; every problem comes back as a UserError.

    Download, decompression and extraction all run in a worker thread with its own event loop, so a hostile
    page costs that thread time but never stalls the caller's loop (the bot keeps answering questions). The
    threads are this module's own, so slow sites cannot use up the default pool that questions run in.
    """
    job = functools.partial(fetch_article_sync, url, settings, allow_hosts=allow_hosts)
    return await asyncio.get_running_loop().run_in_executor(_FETCH_THREADS, job)


def fetch_article_sync(
    url: str, settings: Settings, *, allow_hosts: frozenset[str] = frozenset()
) -> ArticleDraft | UserError:
    """Blocking form for the command line; runs in a helper thread when an event loop is already running here."""
    return run_blocking(_fetch(url, settings, allow_hosts))


def run_blocking(job: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to its end from blocking code, in a thread of its own when this thread runs a loop already."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(job)
    results: list[T] = []
    worker = threading.Thread(target=lambda: results.append(asyncio.run(job)), daemon=True)
    worker.start()
    worker.join()
    return results[0]


async def guarded(job: Awaitable[T], url: str, settings: Settings) -> T | UserError:
    """Await a download within the time limit; every way it can fail comes back as a UserError naming `url`."""
    try:
        return await asyncio.wait_for(job, timeout=settings.fetch_timeout_seconds)
    except _Refusal as refusal:
        return refusal.error
    except httpx.InvalidURL:
        return UserError("bad_url", "the link redirects to an invalid address", url)
    except (asyncio.TimeoutError, httpx.TimeoutException):
        return UserError("timeout", f"the site took longer than {settings.fetch_timeout_seconds:g} seconds to answer", url)
    except (httpx.HTTPError, OSError):
        return UserError("unreachable", "the site could not be reached", url)
    except Exception:
        return UserError("unreachable", "the page could not be downloaded", url)


async def _fetch(url: str, settings: Settings, allow_hosts: frozenset[str]) -> ArticleDraft | UserError:
    """Download within the time limit, then extract (in the same worker thread)."""
    downloaded = await guarded(_download(url.strip(), settings, allow_hosts), url, settings)
    if isinstance(downloaded, UserError):
        return downloaded
    final_url, kind, body, charset = downloaded
    draft = _extract(final_url, kind, body, charset, settings)
    if isinstance(draft, UserError):
        return UserError(draft.code, draft.message, url)
    draft.url = final_url
    draft.source = draft.source or _display_host(final_url)
    return draft


def find_urls(text: str) -> list[str]:
    """The http(s) links in a message, in order and without duplicates; bare "www." links get https://."""
    urls: list[str] = []
    for match in _URL_IN_TEXT.finditer(text):
        url = _trim_url(match.group(0))
        if url.lower().startswith("www."):
            url = "https://" + url
        if "." in url.split("//", 1)[-1] and url not in urls:
            urls.append(url)
    return urls


def is_mostly_link(text: str, *, typed: bool = False) -> bool:
    """True when the message is essentially a link: the link alone or with a few words around it, so the linked
    article is what matters. A message `typed` to the bot whose words ask something is a question instead ("siapa
    yang mendampingi Putin? sumber: URL"); a forwarded or channel post ("Apa penyebab banjir? Baca: URL") is not."""
    urls = find_urls(text)
    if not urls:
        return False
    rest = _URL_IN_TEXT.sub(" ", text)
    return len(rest.split()) <= MAX_LINK_MESSAGE_WORDS and not (typed and asks(rest))


def _normalised_hosts(hosts: frozenset[str]) -> frozenset[str]:
    """Allowed host names in the form _host_of produces (lower case, no brackets or trailing dot)."""
    return frozenset(host.lower().strip("[]").rstrip(".") for host in hosts)


def _trim_url(url: str) -> str:
    """Drop sentence punctuation and unbalanced closing brackets that ended up glued to a link."""
    unmatched = {close: url.count(close) - url.count(open_) for close, open_ in _CLOSING_BRACKETS.items()}
    end = len(url)
    while end:
        last = url[end - 1]
        if last in _TRAILING_PUNCTUATION:
            end -= 1
        elif unmatched.get(last, 0) > 0:
            unmatched[last] -= 1
            end -= 1
        else:
            break
    return url[:end]


async def _download(url: str, settings: Settings, allow_hosts: frozenset[str]) -> tuple[str, str, bytes, str | None]:
    """The final URL, kind, body and charset of a page, refusing a media type no extractor reads before its body."""
    fetched = await guarded_get(url, settings, allow_hosts,
                                vet=lambda response, at: _content_kind(_content_type(response.headers.get(
                                    "content-type", ""))[0], at))
    mime, charset = _content_type(fetched.headers.get("content-type", ""))
    return fetched.url, _content_kind(mime, fetched.url), fetched.body, charset


@dataclass(frozen=True)
class Fetched:
    """The final answer of a guarded GET: its URL after redirects, status (200-style or 304), headers and body."""

    url: str
    status: int
    headers: httpx.Headers
    body: bytes


async def guarded_get(url: str, settings: Settings, allow_hosts: frozenset[str] = frozenset(), *,
                      headers: dict[str, str] | None = None,
                      vet: Callable[[httpx.Response, str], object] | None = None) -> Fetched:
    """GET a link through the guard: up to MAX_REDIRECTS redirects followed by hand, each hop vetted again, the
    body read within the size cap. A 304 (for conditional `headers`) comes back without a body; `vet` may refuse
    a response by raising before its body is read. Problems are raised as _Refusal (see `guarded`)."""
    hosts, current = _normalised_hosts(allow_hosts), url
    for _ in range(MAX_REDIRECTS + 1):
        target = _parse_url(current)
        private_ok = settings.fetch_allow_private or _host_of(target) in hosts
        addresses = await _vetted_addresses(target, private_ok)
        response, client = await _connect(target, addresses, settings, headers or {})
        try:
            location = response.headers.get("location")
            if response.status_code in REDIRECT_STATUSES and location:
                current = urljoin(str(target), location.strip())
                continue
            if response.status_code == 304:
                return Fetched(current, 304, response.headers, b"")
            _check_status(response.status_code, current)
            if vet is not None:
                vet(response, current)
            body = await _read_capped(response, settings.fetch_max_bytes, current)
            return Fetched(current, response.status_code, response.headers, body)
        finally:
            await response.aclose()
            await client.aclose()
    raise _Refusal(UserError("too_many_redirects", f"the link redirects more than {MAX_REDIRECTS} times", url))


def _parse_url(url: str) -> httpx.URL:
    """Accept only absolute http(s) links with a plausible host and no embedded credentials."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise _Refusal(UserError("bad_url", "this is not a valid web link", url)) from None
    if parsed.scheme not in ("http", "https"):
        raise _Refusal(UserError("bad_url", "only http:// and https:// links can be fetched", url))
    if parsed.userinfo:
        raise _Refusal(UserError("bad_url", "links containing a user name or password are not fetched", url))
    host = _host_of(parsed)
    if not (_is_ip_literal(host) or _is_host_name(host)):
        raise _Refusal(UserError("bad_url", "the link has no valid host name", url))
    return parsed


def _host_of(url: httpx.URL) -> str:
    """The ASCII (IDNA) host of a URL, lower-case, without brackets or trailing dot."""
    return url.raw_host.decode("ascii", "replace").lower().strip("[]").rstrip(".")


def _is_host_name(host: str) -> bool:
    """Whether the host is a syntactically valid DNS name (letters, digits, hyphens; at most 253 characters)."""
    return 0 < len(host) <= 253 and all(_HOST_LABEL.fullmatch(label) for label in host.split("."))


def _is_ip_literal(host: str) -> bool:
    """Whether the host is written as an IP address."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


async def _vetted_addresses(url: httpx.URL, private_ok: bool) -> list[str]:
    """Resolve the host and return its addresses, refusing the hop if ANY of them is not allowed."""
    host = _host_of(url)
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        infos = await asyncio.to_thread(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        raise _Refusal(UserError("unreachable", f"the host {host} could not be found", str(url))) from None
    addresses: list[str] = []
    for info in infos:
        address = str(info[4][0]).split("%", 1)[0]
        reason = _address_problem(ipaddress.ip_address(address), private_ok)
        if reason:
            message = f"{host} resolves to {address}, {reason}, which is not fetched"
            raise _Refusal(UserError("forbidden_address", message, str(url)))
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise _Refusal(UserError("unreachable", f"the host {host} has no addresses", str(url)))
    return addresses


def _address_problem(address: IPAddress, private_ok: bool) -> str | None:
    """Say why an address may not be fetched, or None; private_ok lifts only the private/loopback kinds."""
    address = _embedded_ipv4(address) or address
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if address.is_loopback:
        return None if private_ok else "a loopback address"
    for always_refused, reason in (
        (address.is_unspecified, "an unspecified address"),
        (address.is_multicast, "a multicast address"),
        (address.is_link_local, "a link-local address"),
        (address.is_reserved, "a reserved address"),
    ):
        if always_refused:
            return reason
    for refused_unless_private_ok, reason in (
        (address in SHARED_ADDRESS_SPACE, "a carrier-grade NAT address"),
        (address.is_private, "a private address"),
        (not address.is_global, "a non-public address"),
    ):
        if refused_unless_private_ok:
            return None if private_ok else reason
    return None


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address hidden inside an IPv4-mapped, 6to4 or NAT64 IPv6 address, which is where packets really go."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped or address.sixtofour:
        return address.ipv4_mapped or address.sixtofour
    if address in NAT64_PREFIX:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


async def _connect(
    url: httpx.URL, addresses: list[str], settings: Settings, headers: dict[str, str]
) -> tuple[httpx.Response, httpx.AsyncClient]:
    """Send the GET to the first vetted address that accepts a connection, keeping Host and SNI on the real name."""
    last_error: Exception | None = None
    for address in addresses:
        client = httpx.AsyncClient(trust_env=False, follow_redirects=False, timeout=settings.fetch_timeout_seconds)
        try:
            return await client.send(_pinned_request(client, url, address, headers), stream=True), client
        except httpx.ConnectError as error:
            last_error = error
            await client.aclose()
        except BaseException:
            await client.aclose()
            raise
    raise last_error or httpx.ConnectError("no address")


def _pinned_request(client: httpx.AsyncClient, url: httpx.URL, address: str,
                    extra: dict[str, str] | None = None) -> httpx.Request:
    """A request aimed at the vetted IP but carrying the original host name in Host and (for https) SNI; `extra`
    headers (an Accept, conditional-request validators) are added or override the defaults."""
    headers = {"Host": url.netloc.decode("ascii"), "User-Agent": USER_AGENT, "Accept": ACCEPT,
               "Accept-Encoding": ACCEPT_ENCODING, **(extra or {})}
    extensions = {"sni_hostname": _host_of(url)} if url.scheme == "https" else {}
    return client.build_request("GET", url.copy_with(host=address), headers=headers, extensions=extensions)


def _check_status(status: int, url: str) -> None:
    """Refuse error statuses, and redirects without a Location header."""
    if status >= 400:
        raise _Refusal(UserError("http_error", f"the site answered with HTTP status {status}", url))
    if status >= 300:
        raise _Refusal(UserError("http_error", f"the site answered with HTTP status {status} and no usable redirect", url))


def _content_type(header: str) -> tuple[str, str | None]:
    """Split a Content-Type header into the lower-case media type and the charset, if any."""
    mime, *params = header.split(";")
    charset = None
    for param in params:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip("\"'") or None
    return mime.strip().lower(), charset


def _content_kind(mime: str, url: str) -> str:
    """Map a media type to html/text/pdf, or "sniff" when the server did not say; refuse everything else."""
    if mime in CONTENT_KINDS:
        return CONTENT_KINDS[mime]
    if mime in SNIFFED_TYPES:
        return "sniff"
    raise _Refusal(UserError("unsupported_type", f"the link points to {mime}, not a web page, text or PDF", url))


async def _read_capped(response: httpx.Response, limit: int, url: str) -> bytes:
    """Read the raw body and decode it in bounded steps, stopping as soon as the declared size, the bytes on the
    wire or the bytes decoded so far exceed the limit, so a few KB of gzip cannot expand to GBs in memory."""
    too_large = _Refusal(UserError("too_large", f"the page is larger than the {limit:,} byte limit", url))
    declared = response.headers.get("content-length", "").strip()
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    decoder = _decoder(response.headers.get("content-encoding", ""), url)
    body = bytearray()
    received = 0
    async for raw in response.aiter_raw():
        received += len(raw)
        if received > limit:
            raise too_large
        if decoder is None:
            body += raw
        else:
            decoder.inflate(raw, body, limit, url)
        if len(body) > limit:
            raise too_large
    return bytes(body)


class _Inflater:
    """One gzip or deflate layer, decoded at most `limit + 1` bytes at a time; deflate falls back to raw streams."""

    def __init__(self, encoding: str) -> None:
        """Start a decompressor for the encoding ("gzip"/"x-gzip" or "deflate")."""
        self.raw_deflate_fallback = encoding == "deflate"
        self.decompressor = zlib.decompressobj(zlib.MAX_WBITS if self.raw_deflate_fallback else 16 + zlib.MAX_WBITS)

    def inflate(self, data: bytes, body: bytearray, limit: int, url: str) -> None:
        """Append the decoded form of `data` to body, never producing more than one byte over the limit."""
        try:
            self._inflate(data, body, limit)
        except zlib.error:
            if not (self.raw_deflate_fallback and not body):
                raise _Refusal(UserError("unreadable", "the site sent a damaged compressed page", url)) from None
            self.raw_deflate_fallback = False
            self.decompressor = zlib.decompressobj(-zlib.MAX_WBITS)
            self.inflate(data, body, limit, url)

    def _inflate(self, data: bytes, body: bytearray, limit: int) -> None:
        """Decode in pieces of at most what is left under the limit (plus one byte to notice going over)."""
        while data and not self.decompressor.eof and len(body) <= limit:
            body += self.decompressor.decompress(data, limit + 1 - len(body))
            data = self.decompressor.unconsumed_tail


def _decoder(header: str, url: str) -> _Inflater | None:
    """The decoder for a Content-Encoding header: none, or one gzip/deflate layer; stacked or unknown ones are refused."""
    layers = [token.strip().lower() for token in header.split(",") if token.strip().lower() not in ("", "identity")]
    if not layers:
        return None
    if len(layers) > 1:
        raise _Refusal(UserError("bad_encoding", "the site compressed the page more than once, which is not accepted", url))
    if layers[0] not in GZIP_ENCODINGS | {"deflate"}:
        raise _Refusal(UserError("bad_encoding", f"the site sent the page in an unsupported encoding ({layers[0][:40]})", url))
    return _Inflater(layers[0])


def _extract(url: str, kind: str, body: bytes, charset: str | None, settings: Settings) -> ArticleDraft | UserError:
    """Hand the body to the matching extractor (CPU-bound, so it runs off the event loop)."""
    max_chars = settings.max_article_chars
    if kind == "html":
        return extract_html(_decoded(body, charset) or body, url, max_chars=max_chars)
    if kind == "text":
        return extract_text(_decoded(body, charset) or body, url, max_chars=max_chars)
    if kind == "pdf":
        return extract_pdf(body, url, max_chars=max_chars)
    name = url.split("?", 1)[0].rsplit("/", 1)[-1]
    return extract_file(name, body, max_bytes=settings.fetch_max_bytes, max_chars=max_chars)


def _decoded(body: bytes, charset: str | None) -> str | None:
    """Decode with the charset the server declared, or None to let the extractor detect the encoding."""
    if not charset:
        return None
    try:
        return body.decode(charset)
    except (LookupError, UnicodeDecodeError):
        return None


def _display_host(url: str) -> str:
    """The host name to show as the source when the page names no site ("www." dropped)."""
    host = _host_of(httpx.URL(url))
    return host[4:] if host.startswith("www.") else host

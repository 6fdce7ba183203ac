"""Specifications for retrieval.ingest.fetch: links are fetched safely from real local servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import gzip
import socket
import time
import tracemalloc
import zlib
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler

import httpx
import pytest

from retrieval.ingest.documents import ArticleDraft, UserError
from retrieval.ingest.fetch import _pinned_request, fetch_article, fetch_article_sync, find_urls, is_mostly_link
from retrieval.settings import Settings
from tests.documents import draft, error, make_pdf
from tests.bombs import gzip_bomb
from bench.web import Handler, LocalSite, page, redirect, respond

LOCAL = frozenset({"127.0.0.1"})

ARTICLE_HTML = """<!DOCTYPE html><html><head><title>Pasar Tradisional Kembali Ramai</title>
<meta property="og:site_name" content="Kabar Lokal"></head><body>
<nav><a href="/">Beranda</a> <a href="/daerah">Daerah</a></nav>
<article><h1>Pasar Tradisional Kembali Ramai</h1>
<p>Pedagang di pasar tradisional kota melaporkan kenaikan jumlah pembeli menjelang akhir pekan panjang.</p>
<p>Menurut pengelola pasar, jumlah pengunjung naik hampir dua kali lipat dibanding bulan lalu.</p>
</article></body></html>"""

PLAIN_HTML = """<html><head><title>Tanpa Nama Situs</title></head><body><article>
<p>Halaman ini tidak menyebut nama situsnya, jadi sumbernya adalah nama host dari tautan.</p>
<p>Kalimat kedua menambah panjang teks agar dianggap sebagai artikel yang wajar.</p></article></body></html>"""

def make_settings(**overrides: object) -> Settings:
    """Settings for tests: no .env file, private addresses refused, small limits unless overridden."""
    values: dict[str, object] = {"fetch_timeout_seconds": 5.0, "fetch_max_bytes": 1_000_000, "fetch_allow_private": False}
    values.update(overrides)
    return Settings(_env_file=None, **values)


def fetched(url: str, **overrides: object) -> ArticleDraft | UserError:
    """Fetch a URL with test settings, allowing the 127.0.0.1 test server unless told otherwise."""
    allow_hosts = overrides.pop("allow_hosts", LOCAL)
    return fetch_article_sync(url, make_settings(**overrides), allow_hosts=allow_hosts)


def test_page_is_fetched_with_title_text_and_site_name(site: LocalSite) -> None:
    """The article's title, main text and site name come back, with the URL it was fetched from."""
    site.routes["/pasar"] = page("text/html; charset=utf-8", ARTICLE_HTML.encode())
    result = draft(fetched(site.url("/pasar")))
    assert result.title == "Pasar Tradisional Kembali Ramai"
    assert "dua kali lipat" in result.text and "Beranda" not in result.text
    assert result.source == "Kabar Lokal"
    assert result.url == site.url("/pasar")


def test_request_sends_a_user_agent_and_the_original_host_header(site: LocalSite) -> None:
    """The server sees who is asking and the host name from the link."""
    site.routes["/pasar"] = page("text/html", ARTICLE_HTML.encode())
    draft(fetched(site.url("/pasar")))
    headers = site.requests[0][1]
    assert headers["user-agent"].startswith("TanyaBerita/")
    assert headers["host"] == f"127.0.0.1:{site.port}"


def test_source_defaults_to_host_name_when_page_names_no_site(site: LocalSite, fake_dns: dict[str, list[str]]) -> None:
    """Without og:site_name the host name (minus www.) is the source."""
    fake_dns["www.warta.example"] = ["127.0.0.1"]
    site.routes["/polos"] = page("text/html", PLAIN_HTML.encode())
    result = draft(fetched(site.url("/polos", "www.warta.example"), allow_hosts=frozenset({"www.warta.example"})))
    assert result.source == "warta.example"


def test_redirect_is_followed_and_final_url_is_reported(site: LocalSite) -> None:
    """Relative and absolute redirects are followed; the draft carries the URL after redirects."""
    site.routes["/a"] = redirect("/b")
    site.routes["/b"] = redirect(site.url("/pasar"))
    site.routes["/pasar"] = page("text/html", ARTICLE_HTML.encode())
    result = draft(fetched(site.url("/a")))
    assert result.url == site.url("/pasar")
    assert site.paths == ["/a", "/b", "/pasar"]


def test_too_many_redirects_are_refused(site: LocalSite) -> None:
    """A redirect loop stops after five hops."""
    site.routes["/loop"] = redirect("/loop")
    assert error(fetched(site.url("/loop"))).code == "too_many_redirects"
    assert len(site.requests) == 6


def test_redirect_to_loopback_is_refused_with_a_reason(site: LocalSite) -> None:
    """Being allowed to reach 127.0.0.1 does not extend to another loopback name the redirect points to."""
    site.routes["/jebakan"] = redirect(site.url("/pasar", "localhost"))
    site.routes["/pasar"] = page("text/html", ARTICLE_HTML.encode())
    result = error(fetched(site.url("/jebakan")))
    assert result.code == "forbidden_address"
    assert "localhost" in result.message and "loopback" in result.message
    assert site.paths == ["/jebakan"]


def test_redirect_to_private_address_is_refused(site: LocalSite) -> None:
    """A public-looking page cannot bounce the fetcher into the private network."""
    site.routes["/jebakan"] = redirect("http://10.1.2.3/admin")
    result = error(fetched(site.url("/jebakan")))
    assert result.code == "forbidden_address" and "10.1.2.3" in result.message and "private" in result.message


def test_loopback_is_refused_when_not_allowed(site: LocalSite) -> None:
    """By default the fetcher will not talk to the machine it runs on."""
    site.routes["/pasar"] = page("text/html", ARTICLE_HTML.encode())
    result = error(fetched(site.url("/pasar"), allow_hosts=frozenset()))
    assert result.code == "forbidden_address" and "127.0.0.1" in result.message
    assert site.requests == []


def test_fetch_allow_private_setting_permits_loopback(site: LocalSite) -> None:
    """fetch_allow_private=True is the switch for intranet deployments."""
    site.routes["/pasar"] = page("text/html", ARTICLE_HTML.encode())
    assert isinstance(fetched(site.url("/pasar"), allow_hosts=frozenset(), fetch_allow_private=True), ArticleDraft)


@pytest.mark.parametrize(
    "url", ["http://169.254.169.254/latest/meta-data/", "http://[fd00:ec2::254]/latest/", "http://[::ffff:169.254.169.254]/"]
)
def test_metadata_ip_is_refused_even_when_private_addresses_are_allowed(url: str) -> None:
    """Cloud metadata endpoints hand out credentials; no setting opens them."""
    result = error(fetched(url, fetch_allow_private=True, allow_hosts=frozenset({"169.254.169.254"})))
    assert result.code == "forbidden_address" and "metadata" in result.message


@pytest.mark.parametrize("url", ["ftp://example.com/berita.txt", "javascript:alert(1)", "gopher://example.com/", "example.com/berita"])
def test_non_http_scheme_is_refused(url: str) -> None:
    """Only http and https links are fetched."""
    assert error(fetched(url)).code == "bad_url"


def test_file_url_is_refused() -> None:
    """file:// links would read the server's own disk."""
    result = error(fetched("file:///etc/passwd"))
    assert result.code == "bad_url" and "http" in result.message


def test_link_with_credentials_is_refused() -> None:
    """user:password@ links are not followed (they are also a classic host-confusion trick)."""
    assert error(fetched("http://berita.example@127.0.0.1/")).code == "bad_url"


def test_dns_answer_with_private_address_is_refused(fake_dns: dict[str, list[str]]) -> None:
    """A public-looking name whose DNS answer is 10.0.0.1 is refused, naming the host."""
    fake_dns["berita-publik.example"] = ["10.0.0.1"]
    result = error(fetched("https://berita-publik.example/artikel", allow_hosts=frozenset()))
    assert result.code == "forbidden_address"
    assert "berita-publik.example" in result.message and "10.0.0.1" in result.message


def test_dns_answer_is_refused_if_any_address_is_private(fake_dns: dict[str, list[str]]) -> None:
    """One public address does not excuse another private one in the same answer."""
    fake_dns["campuran.example"] = ["93.184.216.34,192.168.1.1"]
    result = error(fetched("http://campuran.example/", allow_hosts=frozenset()))
    assert result.code == "forbidden_address" and "192.168.1.1" in result.message


def test_connection_goes_to_the_vetted_address_not_a_second_dns_answer(
    site: LocalSite, fake_dns: dict[str, list[str]]
) -> None:
    """DNS rebinding: the name is resolved once per hop and the connection uses that very address."""
    fake_dns["rebind.example"] = ["127.0.0.1", "10.9.9.9"]
    site.routes["/pasar"] = page("text/html", ARTICLE_HTML.encode())
    result = draft(fetched(site.url("/pasar", "rebind.example"), allow_hosts=frozenset({"rebind.example"})))
    assert result.url == site.url("/pasar", "rebind.example")
    assert fake_dns["rebind.example"] == ["10.9.9.9"]
    assert site.requests[0][1]["host"] == f"rebind.example:{site.port}"


def test_https_request_is_pinned_to_the_ip_with_original_host_and_sni() -> None:
    """For https the IP is in the URL while Host and the TLS server name stay the original host."""
    client = httpx.AsyncClient()
    request = _pinned_request(client, httpx.URL("https://Berita.example:8443/a?b=1"), "2001:db8::1")
    assert str(request.url) == "https://[2001:db8::1]:8443/a?b=1"
    assert request.headers["host"] == "berita.example:8443"
    assert request.extensions["sni_hostname"] == "berita.example"


def test_unknown_host_is_unreachable() -> None:
    """A name that does not resolve is reported as unreachable."""
    assert error(fetched("http://tidak-ada.invalid/")).code == "unreachable"


def test_closed_port_is_unreachable() -> None:
    """Nothing listening means 'unreachable', not an exception."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert error(fetched(f"http://127.0.0.1:{port}/")).code == "unreachable"


def test_oversize_body_with_content_length_is_refused_up_front(site: LocalSite) -> None:
    """A declared Content-Length over the limit is refused without reading the body."""
    site.routes["/besar"] = page("text/html", b"<p>" + b"x" * 5000 + b"</p>")
    result = error(fetched(site.url("/besar"), fetch_max_bytes=1000))
    assert result.code == "too_large" and "1,000" in result.message


def test_oversize_body_without_content_length_is_refused_while_streaming(site: LocalSite) -> None:
    """A body with no declared length is cut off once it passes the limit."""
    site.routes["/besar"] = page("text/html", b"<p>" + b"x" * 50_000 + b"</p>", length=False)
    assert error(fetched(site.url("/besar"), fetch_max_bytes=1000)).code == "too_large"


def encoded_page(body: bytes, encoding: str, content_type: str = "text/html") -> Handler:
    """A route that answers 200 with an already-compressed body and the given Content-Encoding."""

    def handle(handler: BaseHTTPRequestHandler) -> None:
        """Send the body as is, labelled with its encoding."""
        respond(handler, 200, content_type, body, headers={"Content-Encoding": encoding})

    return handle


def peak_traced_mb(function: Callable[[], object]) -> tuple[object, float]:
    """Call function and return its result with the peak of Python allocations meanwhile (all threads), in MB."""
    tracemalloc.start()
    try:
        result = function()
        return result, tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def test_a_gzip_page_is_decoded(site: LocalSite) -> None:
    """Ordinary compressed pages (gzip, and deflate with or without its zlib header) read as usual."""
    html = ARTICLE_HTML.encode()
    raw_deflate = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    site.routes["/gz"] = encoded_page(gzip.compress(html), "gzip")
    site.routes["/zlib"] = encoded_page(zlib.compress(html), "deflate")
    site.routes["/raw"] = encoded_page(raw_deflate.compress(html) + raw_deflate.flush(), "deflate")
    for path in ("/gz", "/zlib", "/raw"):
        assert draft(fetched(site.url(path))).title == "Pasar Tradisional Kembali Ramai", path


def test_a_gzip_bomb_is_refused_as_too_large_in_bounded_memory(site: LocalSite) -> None:
    """A few hundred KB of gzip that expand to 256 MB of zeros stop at the size limit, not after decoding it all."""
    site.routes["/bom"] = encoded_page(gzip_bomb(256 << 20, layers=1), "gzip")
    result, peak_mb = peak_traced_mb(lambda: fetched(site.url("/bom")))
    assert error(result).code == "too_large"
    assert peak_mb < 32, f"decoding peaked at {peak_mb:.0f} MB"


def test_a_stacked_encoding_bomb_is_refused_in_bounded_memory(site: LocalSite) -> None:
    """`Content-Encoding: gzip, gzip` (a few KB that expand to 256 MB) is refused with a clear reason, cheaply."""
    site.routes["/bom"] = encoded_page(gzip_bomb(256 << 20, layers=2), "gzip, gzip")
    result, peak_mb = peak_traced_mb(lambda: fetched(site.url("/bom")))
    assert error(result).code == "bad_encoding" and "more than once" in result.message
    assert peak_mb < 32, f"decoding peaked at {peak_mb:.0f} MB"


@pytest.mark.parametrize("encoding", ["br", "compress", "gzip, br"])
def test_unknown_or_stacked_encodings_are_refused_with_a_reason(site: LocalSite, encoding: str) -> None:
    """Encodings the fetcher did not ask for are refused instead of being passed to the extractor as garbage."""
    site.routes["/aneh"] = encoded_page(b"\x00\x01 not really compressed", encoding)
    assert error(fetched(site.url("/aneh"))).code == "bad_encoding"


def test_a_damaged_gzip_body_is_unreadable(site: LocalSite) -> None:
    """A body labelled gzip that is not gzip gives a reason, not a crash."""
    site.routes["/rusak"] = encoded_page(b"this is not gzip at all", "gzip")
    assert error(fetched(site.url("/rusak"))).code == "unreadable"


def test_slow_server_times_out(site: LocalSite) -> None:
    """A server that never answers in time gives 'timeout' after the configured seconds."""

    def slow(handler: BaseHTTPRequestHandler) -> None:
        """Answer only after two seconds."""
        time.sleep(2)
        respond(handler, 200, "text/html", ARTICLE_HTML.encode())

    site.routes["/lambat"] = slow
    started = time.monotonic()
    result = error(fetched(site.url("/lambat"), fetch_timeout_seconds=0.3))
    assert result.code == "timeout" and time.monotonic() - started < 1.5


def test_trickling_body_is_cut_by_the_total_time_limit(site: LocalSite) -> None:
    """Sending a byte every 0.1 s never trips a read timeout, but the total limit still applies."""

    def trickle(handler: BaseHTTPRequestHandler) -> None:
        """Send headers, then dribble the body."""
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.end_headers()
        try:
            for _ in range(30):
                handler.wfile.write(b"x")
                handler.wfile.flush()
                time.sleep(0.1)
        except OSError:
            pass

    site.routes["/tetes"] = trickle
    assert error(fetched(site.url("/tetes"), fetch_timeout_seconds=0.5)).code == "timeout"


def test_image_png_is_refused_as_unsupported_type(site: LocalSite) -> None:
    """Pictures are not articles."""
    site.routes["/foto.png"] = page("image/png", b"\x89PNG\r\n\x1a\n" + bytes(100))
    result = error(fetched(site.url("/foto.png")))
    assert result.code == "unsupported_type" and "image/png" in result.message


def test_404_is_reported_with_its_status(site: LocalSite) -> None:
    """HTTP errors are named with their status code."""
    result = error(fetched(site.url("/hilang")))
    assert result.code == "http_error" and "404" in result.message


def test_pdf_via_http_is_extracted(site: LocalSite) -> None:
    """A linked PDF goes through the PDF extractor and keeps the link as its URL."""
    site.routes["/laporan.pdf"] = page("application/pdf", make_pdf(["Laporan Tahunan", "Pendapatan naik 12 persen."]))
    result = draft(fetched(site.url("/laporan.pdf")))
    assert result.title == "Laporan Tahunan" and "12 persen" in result.text
    assert result.url == site.url("/laporan.pdf") and result.source == "127.0.0.1"


def test_plain_text_via_http_uses_the_declared_charset(site: LocalSite) -> None:
    """text/plain is read as a text file, decoded with the charset the server names."""
    site.routes["/catatan.txt"] = page("text/plain; charset=iso-8859-1", "Catatan Café\nIsi catatan.".encode("latin-1"))
    result = draft(fetched(site.url("/catatan.txt")))
    assert (result.title, result.text) == ("Catatan Café", "Isi catatan.")


def test_missing_content_type_is_sniffed(site: LocalSite) -> None:
    """A server that sends no Content-Type still gets its HTML read."""

    def untyped(handler: BaseHTTPRequestHandler) -> None:
        """Answer without a Content-Type header."""
        respond(handler, 200, None, ARTICLE_HTML.encode())

    site.routes["/tanpa-tipe"] = untyped
    assert draft(fetched(site.url("/tanpa-tipe"))).title == "Pasar Tradisional Kembali Ramai"


def test_async_fetch_article_works_inside_an_event_loop(site: LocalSite) -> None:
    """The bot awaits fetch_article directly."""
    site.routes["/pasar"] = page("text/html", ARTICLE_HTML.encode())
    result = asyncio.run(fetch_article(site.url("/pasar"), make_settings(), allow_hosts=LOCAL))
    assert isinstance(result, ArticleDraft)


def test_sync_wrapper_also_works_when_a_loop_is_already_running(site: LocalSite) -> None:
    """Calling the blocking wrapper from async code does not crash with 'loop already running'."""
    site.routes["/pasar"] = page("text/html", ARTICLE_HTML.encode())

    async def call_sync() -> ArticleDraft | UserError:
        """Call the sync wrapper from inside a coroutine."""
        return fetch_article_sync(site.url("/pasar"), make_settings(), allow_hosts=LOCAL)

    assert isinstance(asyncio.run(call_sync()), ArticleDraft)


def test_find_urls_returns_links_in_order_without_trailing_punctuation() -> None:
    """Links are found in prose, trimmed of punctuation, deduplicated, and bare www. links get https."""
    text = "Baca https://kompas.example/a/b_(c). Juga (https://detik.example/x), www.tempo.example/y dan https://kompas.example/a/b_(c)!"
    assert find_urls(text) == ["https://kompas.example/a/b_(c)", "https://detik.example/x", "https://www.tempo.example/y"]


def test_find_urls_ignores_text_without_links() -> None:
    """Ordinary messages give no URLs."""
    assert find_urls("Apa kabar? Harga cabai naik 3.5 persen.") == []


@pytest.mark.parametrize(
    "text, expected",
    [
        ("https://kompas.example/berita/123", True),
        ("Coba baca ini ya: https://kompas.example/berita/123 🙏", True),
        ("https://a.example/1 https://b.example/2", True),
        ("Tidak ada tautan di sini sama sekali.", False),
        ("Menurut laporan yang saya baca pagi ini, harga beras naik lima persen di banyak pasar tradisional "
         "karena panen mundur, sumbernya https://kompas.example/berita/123", False),
    ],
)
def test_is_mostly_link_is_true_only_for_a_link_with_a_few_words(text: str, expected: bool) -> None:
    """The bot fetches the linked article only when the message is essentially the link."""
    assert is_mostly_link(text) is expected

"""Hostile and odd input: every message, file and link ends in a stored article or a clear reason, fast.

Covered here (tests/test_extract.py already pins the extractors one by one, tests/test_fetch.py the fetcher):

* chunker invariants under random and hostile text: spans slice back, no empty chunks, bounded size,
  every visible character kept, fast and small even for 1 MB in one line;
* end to end through the bot's Telegram-free conversation logic (bot/conversation.py) and Library:
  random text, control/zero-width/bidi characters, emoji, mixed scripts, malformed HTML, a PDF without
  a text layer, corrupted and zip-bomb .docx files, files whose extension lies;
* links: what tests/test_fetch.py leaves out of the SSRF list (IP spellings, IPv6 forms, multicast,
  link-local, 0.0.0.0, CGNAT, redirects to other schemes and private names, refused content types, the
  guard's allow-list being per host), and a link to 127.0.0.1 sent as a chat message.
"""

from __future__ import annotations

import asyncio
import resource
import subprocess
import sys
import textwrap
import threading
import time
import tracemalloc
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from bot.conversation import Conversation, ingest_notice, parse_intent
from retrieval.ingest.chunking import DEFAULT_WORDS, chunk_text
from retrieval.ingest.documents import ArticleDraft, UserError
from retrieval.library import IngestResult, Library
from retrieval.ingest.sentences import MAX_SENTENCE_CHARS
from retrieval.settings import Settings
from retrieval.ingest.text import clean_text
from test_extract import ARTICLE_HTML as EXTRACT_ARTICLE_HTML
from tests.documents import make_docx, make_pdf, make_zip
from test_fetch import ARTICLE_HTML, LOCAL, encoded_page, error, fetched
from tests.bombs import docx_paragraph_bomb, gzip_bomb, html_paragraph_bomb
from bench.web import LocalSite, page, redirect

ROOT = Path(__file__).resolve().parent.parent
ONE_MB = 1_000_000
STEP_TIMEOUT = 120.0

ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u200e", "\u200f"]
CONTROL = ["\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b[31m", "\x7f", "\x85", "\r", "\r\n", "\u2028", "\u2029"]
EMOJI = ["🙏", "👩‍👩‍👧‍👦", "🇮🇩", "🙏🏽", "❤️", "🤷‍♀️", "\U0001fae0"]
SCRIPTS = ["Jakarta", "berita", "مرحبا بالعالم", "你好，世界。", "नमस्ते दुनिया।", "สวัสดีชาวโลก", "Привет, мир.", "שלום",
           "ꦲꦏ꧀ꦱꦫ", "Ἀθῆναι", "ﷺ", "e\u0301", "ﬁ"]
PUNCTUATION = [".", ". ", "...", "…", "!!!", "?!", "\"Kata.\" ", "Dr. ", "Rp 5.000. ", "(12/8) ", "—", "- ", "* ", "#"]
SPACES = [" ", "  ", "\t", "\n", "\n\n\n", "\u00a0", "\u3000", "\u2003", "\u1680"]
PIECES = ZERO_WIDTH + BIDI + CONTROL + EMOJI + SCRIPTS + PUNCTUATION + SPACES + ["\ud800", "\udfff", "\ufffd", "\uffff"]

hostile_text = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=40)), max_size=120).map("".join)


def within(seconds: float, function, *args, **kwargs):
    """Run function in a worker thread and fail the test if it has not returned in time (a hang)."""
    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["value"] = function(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test thread
            box["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        pytest.fail(f"{getattr(function, '__name__', function)} did not finish within {seconds:g} s")
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box.get("value")


def finishes_in_a_subprocess(code: str, seconds: float) -> bool:
    """Whether a snippet finishes in time in a fresh interpreter (killed otherwise, so a hang cannot linger)."""
    try:
        subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, timeout=seconds, check=True,
                       capture_output=True)
    except subprocess.TimeoutExpired:
        return False
    return True


def check_chunks(text: str, target_words: int, overlap: int) -> None:
    """The chunker's contract for any text."""
    chunks = chunk_text(text, target_words, overlap)
    for ordinal, chunk in enumerate(chunks):
        assert chunk.ordinal == ordinal
        assert text[chunk.start : chunk.end] == chunk.text, "a span does not slice back to its text"
        assert chunk.text.strip(), "empty or blank chunk"
        assert len(chunk.text.split()) <= target_words or len(chunk.text) <= MAX_SENTENCE_CHARS, "chunk too big"
    starts = [c.start for c in chunks]
    assert starts == sorted(set(starts)), "chunks must move forward"
    covered = bytearray(len(text))
    for chunk in chunks:
        covered[chunk.start : chunk.end] = b"\x01" * (chunk.end - chunk.start)
    lost = [i for i, ch in enumerate(text) if not ch.isspace() and not covered[i]]
    assert not lost, f"characters dropped by the chunker at {lost[:5]}"


# --- Chunker invariants ---------------------------------------------------------------------------------------


@hypothesis_settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=hostile_text, target_words=st.integers(1, 300), overlap=st.integers(0, 3))
def test_chunks_of_any_text_slice_back_are_never_empty_and_stay_bounded(text: str, target_words: int, overlap: int) -> None:
    """Raw text straight from a user: the chunker's contract holds for every input."""
    check_chunks(text, target_words, overlap)


@hypothesis_settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=hostile_text, target_words=st.integers(1, 300))
def test_cleaned_text_chunks_keep_the_contract_and_carry_no_control_characters(text: str, target_words: int) -> None:
    """What Library stores: cleaned text, chunked with the default overlap."""
    cleaned = clean_text(text)
    check_chunks(cleaned, target_words, 1)
    cleaned.encode("utf-8")  # no lone surrogates survive cleaning, so SQLite and JSON can store it
    assert not any(unicodedata.category(ch) == "Cc" and ch not in "\n" for ch in cleaned)
    assert not any(ch in cleaned for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


ONE_LINE_MEGABYTES = {
    "words": "kata berita hari ini " * (ONE_MB // 21),
    "one word": "x" * ONE_MB,
    "zero-width": "\u200b" * ONE_MB,
    "emoji": "🙏" * (ONE_MB // 4),
    "mixed scripts": "".join(SCRIPTS) * (ONE_MB // len("".join(SCRIPTS))),
    "sentences": "Harga cabai naik. " * (ONE_MB // 18),
    "abbreviations": "Dr. " * (ONE_MB // 4),
    "ellipsis": "… " * (ONE_MB // 2),
    "newlines": "\n" * ONE_MB,
    "spaced dots": ". " * (ONE_MB // 2),
}


@pytest.mark.parametrize("kind", list(ONE_LINE_MEGABYTES))
def test_a_megabyte_in_one_line_is_chunked_fast_in_bounded_memory(kind: str) -> None:
    """1 MB with no line break (or nothing but line breaks) is chunked in seconds and a few times its size."""
    text = ONE_LINE_MEGABYTES[kind]
    tracemalloc.start()
    try:
        started = time.monotonic()
        cleaned = within(60, clean_text, text)
        chunks = within(60, chunk_text, cleaned)
        elapsed = time.monotonic() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert all(cleaned[c.start : c.end] == c.text and c.text.strip() for c in chunks)
    assert all(len(c.text) <= MAX_SENTENCE_CHARS or len(c.text.split()) <= DEFAULT_WORDS for c in chunks)
    assert peak < 40 * len(text.encode("utf-8")) + 50_000_000, f"{peak / 1e6:.0f} MB to chunk {kind}"
    print(f"\n1 MB one line ({kind}): {len(chunks)} chunks in {elapsed:.2f} s, peak {peak / 1e6:.0f} MB traced")


def test_long_runs_of_punctuation_are_chunked_in_seconds() -> None:
    """An uploaded file of '!!!!…' or '....' must not hang ingest (checked in a subprocess killed after 6 s)."""
    code = "from retrieval.ingest.chunking import chunk_text\nfor run in ('!', '.', '?!'):\n    chunk_text(run * 40_000)"
    assert finishes_in_a_subprocess(code, 6), "chunking 40,000 punctuation marks did not finish in 6 s"


def test_a_long_one_word_follow_up_question_is_resolved_in_seconds() -> None:
    """Follow-up detection runs on every question of a chat with history; it must be linear (it was O(n^2))."""
    code = "from retrieval.ranking.followup import leans_on_history\nleans_on_history('a' * 60_000 + 'nya')"
    assert finishes_in_a_subprocess(code, 8), "follow-up detection on a 60,000-letter word did not finish in 8 s"


def test_thanks_followed_by_a_long_run_of_ya_is_read_as_a_question_at_once() -> None:
    """Every chat message is checked for small talk on the bot's event loop; 'makasih ya ya … ?' made the thanks
    pattern backtrack exponentially (22 'ya' took a second, 40 would stall the bot for days)."""
    code = ("from retrieval.ranking.small_talk import small_talk\n"
            "assert small_talk('makasih ' + 'ya ' * 40 + 'siapa?') is None")
    assert finishes_in_a_subprocess(code, 8), "small talk on 'makasih' and 40 'ya' did not finish in 8 s"


def test_chunks_of_a_long_run_on_sentence_never_end_in_whitespace() -> None:
    """sentence_spans promises spans 'without surrounding whitespace', also when it has to cut a long sentence."""
    text = clean_text("kata\u3000 " * 600)
    assert all(c.text == c.text.strip() for c in chunk_text(text))


# --- End to end through the conversation logic and Library ----------------------------------------------------


def run(coroutine):
    """Await one conversation step, failing (not hanging) when it takes too long."""
    return asyncio.run(asyncio.wait_for(coroutine, STEP_TIMEOUT))


def assert_clear_outcome(result: IngestResult, library: Library) -> None:
    """Stored (and readable back) or refused with a UserError that has a code and a one-line reason."""
    assert isinstance(result, IngestResult)
    assert result.status in ("added", "duplicate", "failed"), result
    if result.status == "failed":
        assert isinstance(result.error, UserError) and result.error.code and result.error.message
        assert "Traceback" not in result.error.message and "\n" not in result.error.message
    else:
        info = library.get(result.article_id)
        assert info is not None and info.text.strip() and info.chunks >= 1
        info.text.encode("utf-8")
    for lang in ("id", "en"):
        notice = ingest_notice(result, lang)
        assert isinstance(notice, str) and notice.strip() and "Traceback" not in notice


@pytest.fixture
def conversation(hash_library: Library) -> Conversation:
    """The bot's conversation logic over a fresh library (hash embedder); links are fetched with the default guard."""
    return Conversation(hash_library)


@hypothesis_settings(max_examples=15, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(text=hostile_text, title=st.one_of(st.just(""), hostile_text))
def test_any_forwarded_text_is_stored_or_refused_with_a_reason_and_questions_get_answers(
    conversation: Conversation, text: str, title: str
) -> None:
    """A forwarded post or a plain message of any content, then the same content as a question."""
    parse_intent(text)
    result = run(conversation.add_draft(ArticleDraft(text=text, title=title), "pesan", added_by="123"))
    assert_clear_outcome(result, conversation.library)
    if result.status == "added":
        assert conversation.library.get(result.article_id).text == clean_text(text)
    view = run(conversation.ask("chat-1", text[:500] or "?"))
    assert len(view.shown) <= conversation.settings.top_k
    assert all(p.text == conversation.library.get(p.article.id).text[p.char_start : p.char_end] for p in view.shown)


HOSTILE_FILES: dict[str, tuple[str, bytes, set[str]]] = {
    # name: (file name, bytes, acceptable outcomes: "added" or failure codes)
    "empty": ("kosong.txt", b"", {"empty"}),
    "whitespace": ("spasi.txt", b" \n\t\r\n   \n", {"empty"}),
    "one megabyte in one line": ("satu-baris.txt", b"kata berita " * (ONE_MB // 12), {"too_large"}),
    "control characters": ("kontrol.txt", "Judul\x00\n".encode() + b"Isi\x01\x02 berita\x1b[0m hari ini. " * 3, {"added", "binary"}),
    "zero-width and bidi": ("zw.txt", ("Judul \u202eberita\u202c\n" + "Isi\u200b ber\u200dita \u2066hari\u2069 ini. " * 5).encode(), {"added"}),
    "emoji and mixed scripts": ("emoji.md", ("# Berita 🇮🇩\n" + " ".join(SCRIPTS + EMOJI) * 3).encode(), {"added"}),
    "utf-16 text": ("utf16.txt", "Judul UTF-16\nIsi berita dalam UTF-16 yang cukup panjang.".encode("utf-16"), {"added"}),
    "malformed html": ("rusak.html", b"<html><head><title>Judul <b>rusak</title><body><p>Paragraf <div><<<>>> tanpa penutup "
                       b"berisi kalimat berita yang cukup panjang untuk dibaca.<p>&#0;&bogus; <script>alert(1)", {"added", "not_article"}),
    "html as .txt": ("halaman.txt", EXTRACT_ARTICLE_HTML.encode(), {"added"}),
    "pdf without text layer": ("pindaian.pdf", make_pdf([]), {"no_text"}),
    "truncated pdf": ("potong.pdf", make_pdf(["Judul", "Isi laporan panjang"])[:-60], {"added", "unreadable", "no_text"}),
    "text named .pdf": ("bohong.pdf", b"Judul Teks Biasa\nIsi teks biasa yang disimpan sebagai PDF palsu.", {"added"}),
    "docx named .pdf": ("dokumen.pdf", make_docx("Judul Word", ["Isi dokumen Word yang namanya bohong."]), {"added"}),
    "png named .txt": ("foto.txt", b"\x89PNG\r\n\x1a\n" + bytes(200), {"unsupported"}),
    "corrupted docx": ("rusak.docx", b"PK\x03\x04" + bytes(range(256)) * 4, {"unreadable"}),
    "half a docx": ("separuh.docx", make_docx("Judul", ["Isi"])[:3000], {"unreadable"}),
    "zip bomb docx (total size)": ("bom.docx", make_zip({"word/document.xml": 200 << 20}), {"too_large"}),
    "zip bomb docx (ratio)": ("bom2.docx", make_zip({"word/document.xml": 20 << 20}), {"too_large"}),
    "random binary": ("acak.bin", bytes((i * 7919 + 13) % 256 for i in range(4096)), {"binary", "unsupported", "unreadable"}),
    "gzip named .html": ("arsip.html", b"\x1f\x8b\x08\x00" + bytes(100), {"unsupported"}),
}


def test_hostile_files_end_as_articles_or_clear_reasons_without_blowing_up_memory(
    settings: Settings, hash_embedder
) -> None:
    """Uploads of every odd kind, one after another through the conversation logic, in bounded time and memory."""
    library = Library(settings.model_copy(update={"max_article_chars": 200_000}), hash_embedder)
    conversation = Conversation(library)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    outcomes = {}
    try:
        for label, (name, data, acceptable) in HOSTILE_FILES.items():
            started = time.monotonic()
            result = run(conversation.add_file(name, data, settings.max_article_bytes, added_by="123"))
            assert_clear_outcome(result, library)
            outcome = result.status if result.status != "failed" else result.error.code
            assert outcome in acceptable, f"{label}: {outcome} ({result.error})"
            outcomes[label] = f"{outcome} in {time.monotonic() - started:.1f} s"
        grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
        assert grown_mb < 400, f"peak memory grew by {grown_mb:.0f} MB"
        stored = library.repo.chunk_ids()
        assert sorted(library.indexes.vectors.ids().tolist()) == stored == sorted(library.indexes.lexical.ids().tolist())
    finally:
        library.close()
    print("\nhostile files: " + "; ".join(f"{k}: {v}" for k, v in outcomes.items()))


ODD_QUESTIONS = ["", "   ", "\x00\x01", "\u200b\u202e", "🙏" * 2000, "x" * 4096, "Siapa? " * 600, "مرحبا 你好 नमस्ते",
                 "/ask", "<b>tebal</b> & <script>", "dan dia?", "\ud800 siapa"]


@pytest.mark.parametrize("settings", ["sqlite"], indirect=True)
def test_odd_questions_get_an_answer_or_nothing_found_never_an_error(sample_library: Library) -> None:
    """Questions of any shape up to Telegram's 4096 characters, in a chat with history so follow-up handling runs too."""
    conversation = Conversation(sample_library)
    run(conversation.ask("chat-odd", "siapa yang mendampingi Putin?"))
    for question in ODD_QUESTIONS:
        view = run(conversation.ask("chat-odd", question))
        assert len(view.shown) <= sample_library.settings.top_k
        assert isinstance(view.answer.found, bool)


# --- Links: through the conversation, and what tests/test_fetch.py does not cover yet ----------------------------


def test_a_link_to_localhost_sent_in_a_chat_is_refused_and_never_requested(
    conversation: Conversation, site: LocalSite
) -> None:
    """A user pastes a link to the bot's own machine; the default guard refuses it before connecting."""
    site.routes["/admin"] = page("text/html", ARTICLE_HTML.encode())
    message = f"coba baca ini {site.url('/admin')}"
    intent = parse_intent(message)
    assert (intent.command, intent.argument) == ("add", site.url("/admin"))
    result = run(conversation.add_link(intent.argument, added_by="123"))
    assert result.status == "failed" and result.error.code == "forbidden_address"
    assert "127.0.0.1" in result.error.message and "loopback" in result.error.message
    assert site.requests == []
    assert conversation.library.stats().articles == 0


def test_the_same_link_is_stored_when_the_guard_allows_that_host(library: Library, site: LocalSite) -> None:  # noqa: F811
    """Control for the refusal above: with 127.0.0.1 explicitly allowed the page is fetched and stored."""
    site.routes["/pasar"] = page("text/html", ARTICLE_HTML.encode())
    result = run(Conversation(library, allow_hosts=LOCAL).add_link(site.url("/pasar"), added_by="123"))
    assert result.status == "added" and result.title == "Pasar Tradisional Kembali Ramai"


@pytest.mark.parametrize("spelling", ["2130706433", "0x7f000001", "0177.0.0.1", "127.1", "0x7f.0.0.1", "[::ffff:127.0.0.1]",
                                      "[::ffff:7f00:1]", "[::1]", "LOCALHOST", "127.0.0.1.", "[0:0:0:0:0:0:0:1]",
                                      "localhost.localdomain"])
def test_other_spellings_of_loopback_are_refused_before_connecting(site: LocalSite, spelling: str) -> None:  # noqa: F811
    """Decimal, hex, octal, short, IPv6 and mapped forms of 127.0.0.1 all land on the loopback refusal."""
    site.routes["/"] = page("text/html", ARTICLE_HTML.encode())
    result = error(fetched(f"http://{spelling}:{site.port}/", allow_hosts=frozenset()))
    assert result.code in {"forbidden_address", "bad_url", "unreachable"}, result
    if result.code == "forbidden_address":
        assert "loopback" in result.message
    assert site.requests == []


@pytest.mark.parametrize("url, reason", [
    ("http://224.0.0.1/", "multicast"),
    ("http://[ff02::1]/", "multicast"),
    ("http://169.254.10.20/", "link-local"),
    ("http://[fe80::1]/", "link-local"),
    ("http://0.0.0.0/", "unspecified"),
    ("http://[::]/", "unspecified"),
    ("http://240.0.0.1/", "reserved"),
    ("http://100.64.0.1/", "carrier-grade NAT"),
    ("http://[fc00::1]/", "private"),
    ("http://[64:ff9b::a00:1]/", "private"),
    ("http://[2002:c0a8:101::1]/", "private"),
])
def test_non_public_addresses_are_refused_with_a_reason(url: str, reason: str) -> None:
    """Every non-public kind of address is refused, naming what it is."""
    result = error(fetched(url, allow_hosts=frozenset()))
    assert result.code == "forbidden_address" and reason in result.message, result


@pytest.mark.parametrize("url", ["http://224.0.0.1/", "http://169.254.10.20/", "http://0.0.0.0/", "http://[::]/"])
def test_multicast_link_local_and_unspecified_stay_refused_even_when_private_addresses_are_allowed(url: str) -> None:
    """FETCH_ALLOW_PRIVATE opens the intranet, not 0.0.0.0 (which reaches this machine) or link-local/multicast."""
    assert error(fetched(url, fetch_allow_private=True)).code == "forbidden_address"


def test_the_allow_list_is_per_host_not_per_loopback() -> None:
    """Allowing 127.0.0.1 does not allow 127.0.0.2, even though both reach this machine."""
    try:
        other = LocalSite("127.0.0.2", {"/": page("text/html", ARTICLE_HTML.encode(), length=False)})
    except OSError:
        pytest.skip("cannot bind 127.0.0.2 here")
    with other:
        result = error(fetched(other.url("/"), allow_hosts=LOCAL))
        assert result.code == "forbidden_address" and "127.0.0.2" in result.message
        assert other.paths == []
        allowed = fetched(other.url("/"), allow_hosts=frozenset({"127.0.0.2"}))
        assert isinstance(allowed, ArticleDraft) and other.paths == ["/"]


@pytest.mark.parametrize("location", ["file:///etc/passwd", "gopher://127.0.0.1:70/", "ftp://example.com/x",
                                      "//169.254.169.254/latest/meta-data/", "http://[::1]/", "http://0/"])
def test_a_redirect_to_another_scheme_or_the_metadata_service_is_refused(site: LocalSite, location: str) -> None:  # noqa: F811
    """Redirects are vetted like links: only http(s), and never the cloud metadata address."""
    site.routes["/pindah"] = redirect(location)
    result = error(fetched(site.url("/pindah")))
    assert result.code in {"bad_url", "forbidden_address"}, result
    assert site.paths == ["/pindah"]


def test_a_redirect_to_a_javascript_url_is_refused_as_a_bad_link(site: LocalSite) -> None:  # noqa: F811
    """The reason shown to the user names the real problem: the redirect target is not a web link."""
    site.routes["/pindah"] = redirect("javascript:alert(1)")
    result = error(fetched(site.url("/pindah")))
    assert site.paths == ["/pindah"]
    assert result.code == "bad_url", result


def test_a_redirect_to_a_name_that_resolves_privately_is_refused(site: LocalSite, fake_dns: dict[str, list[str]]) -> None:  # noqa: F811
    """The DNS answer of every hop is checked, not only the first link's."""
    fake_dns["intranet.example"] = ["10.20.30.40"]
    site.routes["/pindah"] = redirect("http://intranet.example/rahasia")
    result = error(fetched(site.url("/pindah")))
    assert result.code == "forbidden_address" and "intranet.example" in result.message and "10.20.30.40" in result.message


@pytest.mark.parametrize("content_type", ["application/json", "application/zip", "text/css", "text/javascript",
                                          "video/mp4", "application/x-msdownload", "image/svg+xml", "text/xml",
                                          "application/vnd.openxmlformats-officedocument.wordprocessingml.document"])
def test_content_types_other_than_html_text_and_pdf_are_refused(site: LocalSite, content_type: str) -> None:  # noqa: F811
    """Only web pages, plain text and PDFs are fetched; the refusal names the type."""
    site.routes["/berkas"] = page(content_type, ARTICLE_HTML.encode())
    result = error(fetched(site.url("/berkas")))
    assert result.code == "unsupported_type" and content_type in result.message


def test_an_untyped_binary_body_is_refused_not_stored(site: LocalSite) -> None:  # noqa: F811
    """A server that sends no type and random bytes gets a reason, not a garbage article."""
    site.routes["/biner"] = page("application/octet-stream", bytes((i * 31 + 7) % 256 for i in range(5000)))
    assert error(fetched(site.url("/biner"))).code in {"binary", "unsupported", "unreadable"}


# --- Bombs and heavy documents sent to the bot --------------------------------------------------------------------


def test_a_bomb_link_and_a_heavy_page_do_not_stall_a_question_asked_meanwhile(
    sample_library: Library, site: LocalSite
) -> None:
    """One chat sends a `gzip, gzip` bomb link (a few KB that expand to 512 MB), another a legal but slow page of
    20,000 empty paragraphs; a third asks a question meanwhile. The bot's event loop never stalls: both links end
    in an outcome, the question is answered, and the loop kept ticking throughout (a parser holding the
    interpreter lock in another thread, or a busy machine, may delay it a little; the bomb used to freeze it for
    16 s)."""
    site.routes["/bom"] = encoded_page(gzip_bomb(512 << 20, layers=2), "gzip, gzip")
    site.routes["/berat"] = page("text/html", html_paragraph_bomb(20_000, b"<p></p>"))
    conversation = Conversation(sample_library, allow_hosts=LOCAL)

    async def scenario() -> tuple[float, list[IngestResult], bool]:
        """Run the links and the question together while a heartbeat measures the loop's longest stall."""
        stalls = [0.0]

        async def heartbeat() -> None:
            """Sleep 10 ms at a time, recording how late each wake-up was."""
            while True:
                started = time.monotonic()
                await asyncio.sleep(0.01)
                stalls.append(time.monotonic() - started - 0.01)

        beat = asyncio.create_task(heartbeat())
        links = asyncio.gather(conversation.add_link(site.url("/bom"), chat="chat-a"),
                               conversation.add_link(site.url("/berat"), chat="chat-b"))
        view = await conversation.ask("chat-c", "siapa yang mendampingi Putin?")
        results = await links
        beat.cancel()
        return max(stalls), results, view.answer.found

    longest_stall, (bomb, heavy), found = run(scenario())
    assert bomb.status == "failed" and bomb.error.code in {"too_large", "bad_encoding"}
    assert_clear_outcome(heavy, sample_library)
    assert found
    assert longest_stall < 2.0, f"the event loop stalled for {longest_stall:.2f} s"


def test_a_chat_whose_previous_file_is_still_being_read_is_asked_to_wait(
    library: Library, site: LocalSite
) -> None:
    """While a chat's link is still downloading, a file from the same chat is politely refused at once (in both
    languages); another chat's file is read as usual, and once the link is done the chat can send again."""
    release = threading.Event()

    def slow_page(handler) -> None:
        """Answer only once the test says so."""
        release.wait(STEP_TIMEOUT)
        page("text/html", ARTICLE_HTML.encode())(handler)

    site.routes["/lambat"] = slow_page
    conversation = Conversation(library, allow_hosts=LOCAL)
    upload = ("catatan.txt", "Catatan Rapat\nRapat warga membahas jadwal ronda malam di kampung.".encode())

    async def scenario() -> tuple[IngestResult, IngestResult, IngestResult, IngestResult]:
        """Start the slow link, try two uploads meanwhile, finish the link, then upload again."""
        link = asyncio.create_task(conversation.add_link(site.url("/lambat"), added_by="tg:1", chat="chat-a"))
        while not site.requests:
            await asyncio.sleep(0.01)
        same_chat = await conversation.add_file(*upload, 10_000, added_by="tg:1", chat="chat-a")
        other_chat = await conversation.add_file(*upload, 10_000, added_by="tg:2", chat="chat-b")
        release.set()
        first = await link
        again = await conversation.add_file(*upload, 10_000, added_by="tg:1", chat="chat-a")
        return same_chat, other_chat, first, again

    same_chat, other_chat, first, again = run(scenario())
    assert same_chat.status == "failed" and same_chat.error.code == "busy"
    assert "still working on your previous" in ingest_notice(same_chat, "en")
    assert "masih mengerjakan" in ingest_notice(same_chat, "id")
    assert other_chat.status == "added" and first.status == "added"
    assert again.status == "duplicate"


def test_a_docx_paragraph_bomb_uploaded_in_a_chat_is_refused_as_too_complex(conversation: Conversation) -> None:
    """The .docx of a million empty paragraphs, uploaded to the bot, is refused with a reason in both languages."""
    result = run(conversation.add_file("bom.docx", docx_paragraph_bomb(1_200_000), 5_000_000, added_by="tg:1"))
    assert result.status == "failed" and result.error.code == "too_complex"
    assert "too complex" in ingest_notice(result, "en") and "terlalu rumit" in ingest_notice(result, "id")


def test_many_slow_links_at_once_do_not_hold_up_a_question(sample_library: Library, site: LocalSite) -> None:
    """Ten chats each send a link to a site that does not answer yet; a question asked meanwhile is answered
    before any of those pages arrives (links are fetched in threads of their own, not the pool questions use)."""
    release = threading.Event()

    def stalled_page(handler) -> None:
        """Answer only once the test says so."""
        release.wait(STEP_TIMEOUT)
        page("text/html", ARTICLE_HTML.encode())(handler)

    site.routes["/macet"] = stalled_page
    conversation = Conversation(sample_library, allow_hosts=LOCAL)

    async def scenario() -> tuple[bool, list[IngestResult]]:
        """Start the links, ask, and only then let the site answer."""
        links = [asyncio.create_task(conversation.add_link(site.url("/macet"), chat=f"chat-{n}")) for n in range(10)]
        while not site.requests:
            await asyncio.sleep(0.01)
        view = await asyncio.wait_for(conversation.ask("chat-x", "siapa yang mendampingi Putin?"), 30)
        release.set()
        return view.answer.found, list(await asyncio.gather(*links))

    try:
        found, results = run(scenario())
    finally:
        release.set()
    assert found
    assert sorted(result.status for result in results) == ["added"] + ["duplicate"] * 9

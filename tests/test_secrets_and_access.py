"""Secrets and access, driving the real PTB Application against the fake Bot API on 127.0.0.1.

* The bot token never appears in a log record (all loggers at DEBUG, httpx's included), in an exception
  shown to a chat, or in any text the bot sends - also when Telegram answers 400/429/502, a download
  fails, or a handler crashes.
* Admin-only actions are refused for everyone else on every path: commands (private and group, any
  spelling), buttons (the admin's own button pressed by someone else, replayed into another chat, or
  forged), forwarded posts and documents carrying commands, and ingestion when it is admin-only.
* A link to 127.0.0.1 sent by a user is refused when the fetch guard does not allow it.

tests/test_bot_access.py already pins the basic delete-by-command/button refusals and forged callbacks
in a private chat; the cases here are the ones it leaves out.
"""

from __future__ import annotations

import contextlib
import io
import logging
import time
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, assume, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from bot.access import CallbackSigner
from bot.redaction import hide_token_in_logs
from retrieval.ingest.documents import ArticleDraft
from retrieval.library import Library
from tests.fake_telegram import BOT_TOKEN, BOT_USERNAME, FakeTelegram
from tests.bot_harness import buttons, delivered, exchange
from bench.web import LocalSite, page

ADMIN = 9001
STRANGER = 9002
GROUP = -1009003
ALL_LOGGERS = ("", "httpx", "httpcore", "telegram", "telegram.ext", "bot", "retrieval", "tests", "asyncio")
FORBIDDEN_IN_REPLIES = ("Traceback", "RuntimeError", "Exception", 'File "', ".py", "/work/", "<token>")
POST = ("Pemerintah kota membuka posko pengaduan banjir di Kelurahan Cawang. Petugas mencatat 120 laporan "
        "warga dalam dua hari pertama dan menyalurkan bantuan air bersih.")
PAGE = (b"<html><head><title>Posko Banjir Cawang</title></head><body><article><h1>Posko Banjir Cawang</h1>"
        b"<p>Pemerintah kota membuka posko pengaduan banjir di Kelurahan Cawang pada Senin pagi.</p>"
        b"<p>Petugas mencatat seratus dua puluh laporan warga dalam dua hari pertama posko dibuka.</p>"
        b"</article></body></html>")


class Recorder(logging.Handler):
    """Keeps every record that reaches it, formatted with its traceback, as the operator would read it."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@contextlib.contextmanager
def operator_log(token: str) -> Iterator[io.StringIO]:
    """Capture what the operator's root log handlers print once `tanya bot` installed its redaction."""
    stream = io.StringIO()
    root = logging.getLogger()
    handler = logging.StreamHandler(stream)
    saved_formatters = [(h, h.formatter) for h in root.handlers]
    root.addHandler(handler)
    try:
        hide_token_in_logs(token)
        yield stream
    finally:
        root.removeHandler(handler)
        for h, formatter in saved_formatters:
            h.setFormatter(formatter)


@contextlib.contextmanager
def every_log_record(level: int = logging.DEBUG, *, httpx_level: int | None = None) -> Iterator[Recorder]:
    """Route every logger to a Recorder at `level`; httpx/httpcore stay as the bot configured them unless told."""
    recorder = Recorder()
    root = logging.getLogger()
    saved = {name: logging.getLogger(name).level for name in ALL_LOGGERS}
    root.addHandler(recorder)
    try:
        for name in ALL_LOGGERS:
            if name not in ("httpx", "httpcore") or httpx_level is not None:
                logging.getLogger(name).setLevel(httpx_level if name in ("httpx", "httpcore") else level)
        yield recorder
    finally:
        root.removeHandler(recorder)
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


def secret_parts(token: str) -> list[str]:
    """The token and its secret half: neither may be shown anywhere."""
    return [token, token.split(":", 1)[1]]


def outgoing_texts(tg: FakeTelegram) -> list[str]:
    """Every text the bot tried to show to anyone: messages, edits, captions and button alerts (failed tries too)."""
    calls = tg.calls() + tg.failed()
    return [str(c["params"].get(key, "")) for c in calls for key in ("text", "caption") if c["params"].get(key)]


def tampered(data: str) -> str:
    """Signed button data with the last signature character changed."""
    return data[:-1] + ("B" if data.endswith("A") else "A")


def settle(tg: FakeTelegram, seconds: float = 1.0) -> None:
    """Wait until the bot has taken every update, then a little longer for its replies."""
    tg.wait_consumed(timeout=60)
    time.sleep(seconds)


def exercise_every_path(tg: FakeTelegram, bot_library: Library) -> None:
    """Commands, a question, an upload, a failing upload, Telegram errors and a crashing handler."""
    exchange(tg, 71, lambda: tg.command(71, "/start"))
    exchange(tg, 71, lambda: tg.text_message(71, "siapa yang mendampingi Putin?"))
    exchange(tg, 71, lambda: tg.document_message(71, "posko.txt", f"Posko Banjir\n{POST}".encode(), "text/plain"))
    # The download URL has the token in its path; make the download itself fail.
    file = tg.register_file(b"tidak pernah sampai", file_name="hilang.txt")
    with tg._cond:  # noqa: SLF001 - drop the bytes so /file/bot<token>/... answers 404
        tg._file_data.pop(file["file_path"])  # noqa: SLF001
    document = {"file_name": "hilang.txt", "mime_type": "text/plain", "file_id": file["file_id"],
                "file_unique_id": file["file_unique_id"], "file_size": 20}
    exchange(tg, 72, lambda: tg.text_message(72, "", document=document))
    tg.fail_next("sendMessage", 1, status=429, retry_after=1)
    exchange(tg, 73, lambda: tg.text_message(73, "who accompanied Putin?"))
    tg.fail_next("sendMessage", 2, status=502)
    exchange(tg, 74, lambda: tg.command(74, "/stats"))
    tg.fail_next("getFile", 2, status=502)
    exchange(tg, 75, lambda: tg.document_message(75, "lagi.txt", f"Posko Lagi\n{POST} Lagi.".encode(), "text/plain"))
    tg.fail_next("sendMessage", 1, status=400)
    tg.command(76, "/help")
    settle(tg)
    tg.callback_query(77, 5, "del:1|AAAAAAAAAAAAAAAA")
    settle(tg)


def test_the_token_is_in_no_log_record_and_no_reply_on_any_path(tg, start_bot, bot_sample_library, monkeypatch) -> None:
    """With every logger at INFO - the most `tanya -v bot` logs - no record, traceback included, and nothing sent
    to a chat carries the token, before any redacting formatter gets to see it. (At DEBUG python-telegram-bot
    itself logs "Set Bot API URL: .../bot<token>"; the next test shows the operator's log still hides it.)"""
    def broken_stats(*args, **kwargs):
        raise RuntimeError("database unavailable")

    with every_log_record(logging.INFO) as records, start_bot(bot_sample_library) as running:
        exercise_every_path(tg, bot_sample_library)
        monkeypatch.setattr(bot_sample_library, "stats", broken_stats)
        apology = exchange(tg, 78, lambda: tg.command(78, "/stats"))
        assert running.errors, "the crashing handler should have reached the error handler"
    logged = "\n".join(records.lines)
    assert "update" in logged and "failed" in logged, "the crash must still be logged"
    assert apology[0]["params"]["text"].startswith("Sorry, something went wrong")
    for secret in secret_parts(tg.token):
        leaking = [line[:300] for line in records.lines if secret in line]
        assert not leaking, f"token in {len(leaking)} log records, e.g. {leaking[:3]}"
        assert not [t for t in outgoing_texts(tg) if secret in t], "token shown to a chat"
    for text in outgoing_texts(tg):
        assert not any(marker in text for marker in FORBIDDEN_IN_REPLIES), f"internal detail shown to a user: {text!r}"


def test_with_httpx_logging_every_request_the_operator_log_still_hides_the_token(
    tg, start_bot, bot_sample_library, monkeypatch
) -> None:
    """With every logger at DEBUG, httpx's included, `tanya bot`'s redacting formatter keeps the token out of the
    operator's log: PTB's own "Set Bot API URL" line, httpx's request lines and a traceback whose message holds
    the API URL all come out clean, and the chat only gets the apology."""
    def broken_stats(*args, **kwargs):
        raise RuntimeError(f"stats failed while talking to {tg.base_url}{tg.token}/getMe")

    with (
        operator_log(tg.token) as stream,
        every_log_record(logging.DEBUG, httpx_level=logging.DEBUG),
        start_bot(bot_sample_library),
    ):
        logging.getLogger("httpx").setLevel(logging.DEBUG)  # build_application lowered it again; undo that
        exercise_every_path(tg, bot_sample_library)
        monkeypatch.setattr(bot_sample_library, "stats", broken_stats)
        apology = exchange(tg, 78, lambda: tg.command(78, "/stats"))
    output = stream.getvalue()
    assert "HTTP Request" in output and "/bot<token>/" in output, "httpx request lines should be logged, redacted"
    assert "stats failed while talking to" in output, "the crash's traceback should be logged, redacted"
    assert "Set Bot API URL" in output
    assert apology[0]["params"]["text"].startswith("Sorry, something went wrong")
    assert tg.token not in output
    assert "/bot<token>/getMe" in output
    for secret in secret_parts(tg.token):
        assert not [t for t in outgoing_texts(tg) if secret in t], "token shown to a chat"


def test_a_document_download_logged_by_httpx_does_not_leak_the_encoded_token(tg, start_bot, bot_sample_library) -> None:
    """With httpx request logging on, downloading an upload must not print the token's secret half in any encoding."""
    with (
        operator_log(tg.token) as stream,
        every_log_record(logging.INFO, httpx_level=logging.INFO),
        start_bot(bot_sample_library),
    ):
        logging.getLogger("httpx").setLevel(logging.INFO)
        exchange(tg, 79, lambda: tg.document_message(79, "posko.txt", f"Posko\n{POST}".encode(), "text/plain"))
    output = stream.getvalue()
    assert "/file/bot" in output, "the download should have been logged"
    assert tg.token.split(":", 1)[1] not in output


@pytest.fixture
def guarded(bot_sample_library: Library) -> Library:
    """The sample library (article #1) plus a second article, so deletes have something to hit."""
    bot_sample_library.add_article(ArticleDraft(text=POST, title="Posko Banjir"), "posko")
    return bot_sample_library


def test_admin_only_actions_are_refused_for_others_on_every_path(tg, start_bot, guarded: Library) -> None:
    """A non-admin tries every way to delete or add; nothing changes and no delete button ever reaches them."""
    before = [a.id for a in guarded.list()]
    with recording_site() as (site, server), start_bot(
            guarded, admin_user_ids=frozenset({ADMIN}), ingest_admins_only=True) as running:
        signer: CallbackSigner = running.app.bot_data["services"].signer
        # Commands, in private and in a group, in every spelling PTB accepts.
        attempts = [
            (STRANGER, lambda: tg.command(STRANGER, "/delete 1")),
            (STRANGER, lambda: tg.command(STRANGER, "/DELETE 2")),
            (STRANGER, lambda: tg.command(STRANGER, f"/delete@{BOT_USERNAME} 1")),
            (GROUP, lambda: tg.group_command(GROUP, "/delete 1", user_id=STRANGER)),
            # A forwarded post whose text is a delete command.
            (STRANGER, lambda: tg.forwarded_channel_post(
                STRANGER, "/delete 1", channel_title="Kanal", channel_username="kanal", channel_message_id=5,
                date=1718755200, entities=[{"type": "bot_command", "offset": 0, "length": 7}])),
            # Ingestion when it is admin-only: link, /add, forwarded post, document - in private and in the group.
            (STRANGER, lambda: tg.text_message(STRANGER, f"{site}/posko")),
            (STRANGER, lambda: tg.command(STRANGER, f"/add {site}/posko")),
            (GROUP, lambda: tg.group_command(GROUP, f"/add {site}/posko", user_id=STRANGER)),
            (GROUP, lambda: tg.group_message(GROUP, f"{site}/posko", user_id=STRANGER)),
            (STRANGER, lambda: tg.forwarded_channel_post(
                STRANGER, POST + " Tambahan.", channel_title="Kanal", channel_username="kanal", channel_message_id=6,
                date=1718755200)),
            (STRANGER, lambda: tg.document_message(STRANGER, "a.txt", f"Judul\n{POST} Dokumen.".encode(), "text/plain",
                                                   caption="/delete 1")),
            (GROUP, lambda: tg.document_message(
                GROUP, "b.txt", f"Judul\n{POST} Grup.".encode(), "text/plain", caption=f"@{BOT_USERNAME}",
                chat_type="group", user_id=STRANGER,
                entities=[{"type": "mention", "offset": 0, "length": len(BOT_USERNAME) + 1}])),
        ]
        for chat, attempt in attempts:
            exchange(tg, chat, attempt)

        # The admin asks to delete in the group; the stranger presses the admin's real button there.
        exchange(tg, GROUP, lambda: tg.group_command(GROUP, "/delete 1", user_id=ADMIN))
        confirm = delivered(tg, GROUP)[-1]
        data = buttons(confirm)[0]["callback_data"]
        tg.callback_query(GROUP, confirm["message_id"], data, user_id=STRANGER, chat_type="group")
        # The same signed data replayed into the stranger's private chat, and forged variants of it.
        payload = data.rpartition("|")[0]
        for forged in (data, payload, f"{payload}|", f"{payload}|{data.rpartition('|')[2][::-1]}",
                       CallbackSigner("").sign(STRANGER, payload), CallbackSigner(tg.token.split(":")[0]).sign(STRANGER, payload),
                       tampered(signer.sign(STRANGER, "del:1")), "del:1|" + "A" * 200, "\x00del:1", "del:-1|x"):
            tg.callback_query(STRANGER, 9, forged)
        settle(tg, 1.5)

        assert [a.id for a in guarded.list()] == before, "a non-admin changed the library"
        stranger_buttons = [b for m in delivered(tg, STRANGER) for b in buttons(m)]
        assert not stranger_buttons, f"a non-admin was offered buttons: {stranger_buttons}"
        answers = tg.calls("answerCallbackQuery")
        assert len(answers) == 11 and all(a["params"].get("show_alert") for a in answers)
        assert {a["params"]["text"] for a in answers} <= {"Sorry, only the bot's admins can do that.", "This button is not valid."}
        refusals = tg.texts(STRANGER) + [t for t in tg.texts(GROUP) if "Delete article" not in t]
        assert len(refusals) == len(attempts)
        assert set(refusals) <= {"Sorry, only the bot's admins can do that.",
                                 "Sorry, only the bot's admins can add articles here.",
                                 "I don't know that command. Send /help to see what I can do."}, refusals
        assert server.paths == [], "a refused link was fetched anyway"

        # Control: the admin's own press in the group does delete.
        exchange(tg, GROUP, lambda: tg.callback_query(GROUP, confirm["message_id"], data, user_id=ADMIN, chat_type="group"))
    assert guarded.get(1) is None and guarded.get(2) is not None
    assert not running.errors


def test_a_link_to_localhost_sent_to_the_bot_is_refused_when_the_guard_does_not_allow_it(
    tg, start_bot, bot_library: Library
) -> None:
    """A user's link to 127.0.0.1 is refused with a reason and the local server never sees a request."""
    with recording_site() as (site, server), start_bot(bot_library, fetch_allow_private=False):
        sent = exchange(tg, 81, lambda: tg.text_message(81, f"{site}/rahasia"))
        added = exchange(tg, 81, lambda: tg.command(81, f"/add {site}/rahasia"))
        indonesian = exchange(tg, 82, lambda: tg.text_message(82, f"baca {site}/rahasia", language_code="id"))
    for reply in (sent, added):
        text = reply[0]["params"]["text"]
        assert text.startswith("I could not store this:") and "127.0.0.1" in text and "loopback" in text, text
    text = indonesian[0]["params"]["text"]
    assert text.startswith("Tidak bisa disimpan:") and "127.0.0.1" in text and "loopback" in text, text
    assert bot_library.stats().articles == 0
    assert server.paths == []


@contextlib.contextmanager
def recording_site() -> Iterator[tuple[str, LocalSite]]:
    """A page server on 127.0.0.1 that answers every path with PAGE; yields (base URL, the server and its requests)."""
    with LocalSite(fallback=page("text/html", PAGE)) as site:
        yield site.url(), site


PAYLOADS = st.one_of(st.sampled_from(["del:1", "del:2", "ctx:1:0:500:1", "more:abcdefgh", "src:5"]),
                     st.text(min_size=1, max_size=40).filter(lambda t: "|" not in t))


@hypothesis_settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payload=PAYLOADS, other=PAYLOADS, chat=st.integers(-10**13, 10**13), elsewhere=st.integers(-10**13, 10**13),
       junk=st.text(st.characters(max_codepoint=127), max_size=80))
def test_button_data_is_accepted_only_as_signed_for_that_chat_and_payload(
    payload: str, other: str, chat: int, elsewhere: int, junk: str
) -> None:
    """No forged, edited, moved or random callback data verifies; verifying never raises."""
    signer = CallbackSigner(BOT_TOKEN)
    data = signer.sign(chat, payload) if len(payload.encode()) <= 40 else None
    assert signer.verify(chat, junk) is None or junk == data
    if data is None:
        return
    assert signer.verify(chat, data) == payload
    signature = data.rpartition("|")[2]
    if other != payload:
        assert signer.verify(chat, f"{other}|{signature}") is None
    if elsewhere != chat:
        assert signer.verify(elsewhere, data) is None
    assert CallbackSigner(BOT_TOKEN + "x").verify(chat, data) is None
    assume(junk)
    assert signer.verify(chat, data + junk) is None


@pytest.mark.parametrize("data", ["del:1|é", "del:1|AAAAAAAAAAAAAAA\u00e9", "ctx:1:0:5:1|🙏"])
def test_button_data_with_a_non_ascii_signature_is_refused_not_a_crash(data: str) -> None:
    """A client can send any callback data; a forged signature in any script is simply invalid."""
    assert CallbackSigner(BOT_TOKEN).verify(1, data) is None


def test_a_forged_callback_in_any_script_gets_the_invalid_button_answer(tg, start_bot, bot_sample_library) -> None:
    """The same refusal as for any forged button: an alert, nothing deleted, no error."""
    with start_bot(bot_sample_library, admin_user_ids=frozenset({ADMIN})) as running:
        tg.callback_query(ADMIN, 3, "del:1|ÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄ")
        settle(tg)
        errors = list(running.errors)
    assert bot_sample_library.get(1) is not None
    assert [a["params"].get("text") for a in tg.calls("answerCallbackQuery")] == ["This button is not valid."]
    assert not errors and tg.texts(ADMIN) == []

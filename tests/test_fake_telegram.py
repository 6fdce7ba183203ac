"""Tests proving FakeTelegram works with the real python-telegram-bot stack."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, MessageOriginChannel, Update
from telegram.error import BadRequest, InvalidToken, NetworkError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from fake_telegram import BOT_USERNAME, FAKE_JPEG, FakeTelegram, run_application

Context = ContextTypes.DEFAULT_TYPE

HTTP = httpx.Client(timeout=10)


@pytest.fixture(scope="module", autouse=True)
def close_http_client() -> Iterator[None]:
    """Close the shared httpx client after this module's tests."""
    yield
    HTTP.close()


@pytest.fixture
def tg() -> Iterator[FakeTelegram]:
    """A started fake Telegram server."""
    with FakeTelegram() as fake:
        yield fake


def build_app(
    tg: FakeTelegram, handlers: list[BaseHandler[Any, Any, Any]], *, token: str | None = None, concurrent: bool = False
) -> Application[Any, Any, Any, Any, Any, Any]:
    """Build a real PTB Application pointed at the fake server."""
    app = (
        ApplicationBuilder()
        .token(token or tg.token)
        .base_url(f"{tg.url}/bot")
        .base_file_url(f"{tg.url}/file/bot")
        .rate_limiter(AIORateLimiter(max_retries=3))
        .concurrent_updates(concurrent)
        .build()
    )
    app.add_handlers(handlers)
    return app


async def echo(update: Update, context: Context) -> None:
    """Reply with the same text."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(f"echo: {update.effective_message.text}")


async def start(update: Update, context: Context) -> None:
    """Greet with the command arguments."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(f"start {' '.join(context.args or [])}".strip())


def echo_handlers() -> list[BaseHandler[Any, Any, Any]]:
    """The echo bot's handlers."""
    return [CommandHandler("start", start), MessageHandler(filters.TEXT & ~filters.COMMAND, echo)]


def settle(tg: FakeTelegram, seconds: float = 0.3) -> None:
    """Wait until all updates were fetched, then give handlers a moment to send duplicates."""
    tg.wait_consumed()
    time.sleep(seconds)


def test_echo_and_command_reach_the_right_chat(tg: FakeTelegram) -> None:
    """A text gets echoed and a command gets handled, each in its own chat."""
    with run_application(build_app(tg, echo_handlers())) as running:
        tg.text_message(101, "halo dunia")
        tg.command(202, "/start berita hari ini")
        assert tg.wait_for_messages(101)[0]["params"]["text"] == "echo: halo dunia"
        assert tg.wait_for_messages(202)[0]["params"]["text"] == "start berita hari ini"
        settle(tg)
    assert tg.texts(101) == ["echo: halo dunia"]
    assert tg.texts(202) == ["start berita hari ini"]
    assert [c["method"] for c in tg.calls("getMe")] == ["getMe"]
    assert running.errors == []


def test_429_is_retried_by_aioratelimiter_and_delivered_once(tg: FakeTelegram) -> None:
    """A flood-wait answer makes AIORateLimiter sleep retry_after and send again."""
    tg.fail_next("sendMessage", 1, status=429, retry_after=1)
    with run_application(build_app(tg, echo_handlers())) as running:
        tg.text_message(7, "sekali saja")
        started = time.monotonic()
        tg.wait_for_messages(7, timeout=10)
        assert time.monotonic() - started >= 1.0
        settle(tg)
    assert tg.texts(7) == ["echo: sekali saja"]
    assert [f["status"] for f in tg.failed("sendMessage")] == [429]
    assert running.errors == []


def test_502_is_not_retried_by_aioratelimiter(tg: FakeTelegram) -> None:
    """AIORateLimiter only retries RetryAfter: a 502 surfaces as NetworkError and nothing is sent."""
    tg.fail_next("sendMessage", 1, status=502)
    with run_application(build_app(tg, echo_handlers())) as running:
        tg.text_message(8, "hilang?")
        settle(tg, 0.5)
        assert tg.texts(8) == []
        assert len(tg.failed("sendMessage")) == 1
        assert len(running.errors) == 1
        error = running.errors[0]
        assert isinstance(error, NetworkError) and not isinstance(error, BadRequest)
        assert "Bad Gateway (502)" in str(error)


def test_502_with_own_retry_loses_nothing(tg: FakeTelegram) -> None:
    """A bot-level retry on NetworkError (excluding BadRequest) delivers exactly once."""

    async def retrying_echo(update: Update, context: Context) -> None:
        """Echo, retrying transient network failures."""
        assert update.effective_message is not None
        for attempt in range(3):
            try:
                await update.effective_message.reply_text(f"echo: {update.effective_message.text}")
                return
            except BadRequest:
                raise
            except NetworkError:
                await asyncio.sleep(0.1 * (attempt + 1))
        raise RuntimeError("gave up")

    tg.fail_next("sendMessage", 2, status=502)
    with run_application(build_app(tg, [MessageHandler(filters.TEXT, retrying_echo)])) as running:
        tg.text_message(9, "tetap sampai")
        tg.wait_for_messages(9, timeout=10)
        settle(tg)
    assert tg.texts(9) == ["echo: tetap sampai"]
    assert len(tg.failed("sendMessage")) == 2
    assert running.errors == []


def test_document_can_be_downloaded_by_the_bot(tg: FakeTelegram) -> None:
    """getFile plus download_as_bytearray returns the bytes the test registered."""
    payload = "Judul: Banjir di Jakarta\n".encode() * 50

    async def on_document(update: Update, context: Context) -> None:
        """Reply with the size and first line of the uploaded file."""
        assert update.effective_message is not None and update.effective_message.document is not None
        document = update.effective_message.document
        data = await (await context.bot.get_file(document.file_id)).download_as_bytearray()
        first = bytes(data).decode().splitlines()[0]
        await update.effective_message.reply_text(f"{document.file_name} {len(data)} {first}")

    with run_application(build_app(tg, [MessageHandler(filters.Document.ALL, on_document)])) as running:
        tg.document_message(11, "berita.txt", payload, "text/plain")
        reply = tg.wait_for_messages(11)[0]["params"]["text"]
    assert reply == f"berita.txt {len(payload)} Judul: Banjir di Jakarta"
    assert running.errors == []


def test_channel_posts_and_anonymous_admin_messages_arrive_without_a_sender_user(tg: FakeTelegram) -> None:
    """A channel post and a message sent on behalf of a group reach the bot with a chat but no `from` user."""
    seen: list[tuple[str, int, object, int | None]] = []

    async def note(update: Update, context: Context) -> None:
        """Record who and where each update came from."""
        message = update.effective_message
        assert message is not None and update.effective_chat is not None
        sender = message.sender_chat.id if message.sender_chat else None
        seen.append((message.text or "", update.effective_chat.id, update.effective_user, sender))

    with run_application(build_app(tg, [TypeHandler(Update, note)])) as running:
        tg.channel_post(-1001234, "kabar kanal")
        tg.text_message(-100777, "dari admin anonim", chat_type="supergroup", anonymous=True)
        settle(tg)
    assert seen == [("kabar kanal", -1001234, None, -1001234), ("dari admin anonim", -100777, None, -100777)]
    assert running.errors == []


def test_callback_query_reaches_handler_and_edits(tg: FakeTelegram) -> None:
    """A button press on the bot's keyboard reaches CallbackQueryHandler, which edits the message."""

    async def ask(update: Update, context: Context) -> None:
        """Offer an inline keyboard."""
        assert update.effective_message is not None
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Lagi", callback_data="more:3")]])
        await update.effective_message.reply_text("Hasil 1-3", reply_markup=keyboard)

    async def more(update: Update, context: Context) -> None:
        """Acknowledge and edit the message."""
        query = update.callback_query
        assert query is not None and query.data is not None
        await query.answer("ok")
        await query.edit_message_text(f"Hasil setelah {query.data.split(':')[1]}")

    handlers = [CommandHandler("cari", ask), CallbackQueryHandler(more, pattern=r"^more:")]
    with run_application(build_app(tg, handlers)) as running:
        tg.command(12, "/cari banjir")
        sent = tg.wait_for_messages(12)[0]
        assert sent["params"]["reply_markup"] == {"inline_keyboard": [[{"text": "Lagi", "callback_data": "more:3"}]]}
        tg.callback_query(12, sent["result"]["message_id"], "more:3")
        tg.wait_for_messages(12, count=2)
        tg.wait_for(lambda call: call["method"] == "answerCallbackQuery")
    assert tg.bot_messages(12)[-1]["text"] == "Hasil setelah 3"
    assert "reply_markup" not in tg.bot_messages(12)[-1]
    assert running.errors == []


def test_twenty_chats_at_once_each_get_their_echo(tg: FakeTelegram) -> None:
    """Concurrent updates from 20 chats are all answered, each in its own chat."""

    async def slow_echo(update: Update, context: Context) -> None:
        """Echo after a pause so that handlers overlap."""
        await asyncio.sleep(0.2)
        await echo(update, context)

    chats = list(range(1000, 1020))
    with run_application(build_app(tg, [MessageHandler(filters.TEXT, slow_echo)], concurrent=True)) as running:
        pushers = [threading.Thread(target=tg.text_message, args=(chat, f"pesan {chat}")) for chat in chats]
        for thread in pushers:
            thread.start()
        for thread in pushers:
            thread.join()
        started = time.monotonic()
        for chat in chats:
            tg.wait_for_messages(chat, timeout=10)
        assert time.monotonic() - started < 3.0, "handlers did not overlap"
        settle(tg)
    for chat in chats:
        assert tg.texts(chat) == [f"echo: pesan {chat}"]
    assert running.errors == []


def test_group_forward_photo_and_reply_updates_parse_in_ptb(tg: FakeTelegram) -> None:
    """Group mentions/commands, channel forwards, photos and replies arrive as proper PTB objects."""
    seen: list[Update] = []

    async def record(update: Update, context: Context) -> None:
        """Keep the update for inspection."""
        seen.append(update)

    handlers = [
        CommandHandler("tanya", record),
        MessageHandler(filters.ChatType.GROUPS & filters.Mention(BOT_USERNAME), record),
        MessageHandler(filters.FORWARDED, record),
        MessageHandler(filters.PHOTO, record),
        MessageHandler(filters.REPLY, record),
    ]
    with run_application(build_app(tg, handlers)) as running:
        tg.group_message(-500, "apa kabar?")
        tg.group_command(-1001234, "/tanya harga beras", chat_type="supergroup")
        tg.forwarded_channel_post(
            13, "Berita utama", channel_title="Kompas", channel_username="kompascom",
            channel_message_id=777, date=1700000000,
        )
        tg.text_message(13, "", caption="lihat foto", photo=True, media_group_id="album1")
        tg.text_message(13, "lanjut", reply_to_bot=True)
        settle(tg)
        assert len(seen) == 5
        largest = seen[3].effective_message.photo[-1]  # type: ignore[union-attr]
        picture = running.run(running.run(running.app.bot.get_file(largest.file_id)).download_as_bytearray())
    assert running.errors == []
    assert bytes(picture) == FAKE_JPEG
    mention, command, forward, photo, reply = (u.effective_message for u in seen)
    assert photo is not None and photo.caption == "lihat foto" and photo.media_group_id == "album1"
    assert reply is not None and reply.reply_to_message is not None
    assert reply.reply_to_message.from_user is not None and reply.reply_to_message.from_user.username == BOT_USERNAME
    assert mention is not None and mention.chat.type == "group" and mention.text == f"@{BOT_USERNAME} apa kabar?"
    assert command is not None and command.chat.type == "supergroup"
    assert forward is not None and isinstance(forward.forward_origin, MessageOriginChannel)
    assert forward.forward_origin.chat.username == "kompascom"
    assert forward.forward_origin.message_id == 777


def test_unknown_token_is_rejected(tg: FakeTelegram) -> None:
    """A wrong token gets 401, which PTB raises as InvalidToken at initialize()."""
    app = build_app(tg, echo_handlers(), token="999:wrong")
    with pytest.raises(RuntimeError) as raised, run_application(app):
        pass
    assert isinstance(raised.value.__cause__, InvalidToken)
    response = HTTP.post(f"{tg.url}/bot999:wrong/getMe")
    assert response.status_code == 401
    assert response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}


def test_bot_calls_through_running_app(tg: FakeTelegram) -> None:
    """RunningApplication.run executes bot calls on the app loop; HTML is parsed into entities."""
    with run_application(build_app(tg, [])) as running:
        message = running.run(running.app.bot.send_message(14, "<b>Ringkas</b> &amp; jelas", parse_mode="HTML"))
        with pytest.raises(BadRequest, match="(?i)can't parse entities"):
            running.run(running.app.bot.send_message(14, "a < b", parse_mode="HTML"))
        with pytest.raises(BadRequest, match="(?i)message is not modified"):
            running.run(
                running.app.bot.edit_message_text(
                    "<b>Ringkas</b> &amp; jelas", chat_id=14, message_id=message.message_id, parse_mode="HTML"
                )
            )
    assert message.text == "Ringkas & jelas"
    assert [(e.type, e.offset, e.length) for e in message.entities] == [("bold", 0, 7)]


def api(tg: FakeTelegram, method: str, **kwargs: Any) -> httpx.Response:
    """Call the fake API directly with httpx."""
    return HTTP.post(f"{tg.url}/bot{tg.token}/{method}", **kwargs)


def test_get_updates_long_poll_offset_limit_and_allowed_updates(tg: FakeTelegram) -> None:
    """getUpdates blocks until an update arrives, honours limit/offset and allowed_updates."""
    started = time.monotonic()
    assert api(tg, "getUpdates", data={"timeout": "0.3"}).json() == {"ok": True, "result": []}
    assert time.monotonic() - started >= 0.3
    threading.Timer(0.2, tg.text_message, args=(1, "a")).start()
    first = api(tg, "getUpdates", json={"timeout": 5}).json()["result"]
    assert [u["message"]["text"] for u in first] == ["a"]
    tg.text_message(1, "b")
    tg.callback_query(1, 99, "x")
    two = api(tg, "getUpdates", data={"limit": "1"}).json()["result"]
    assert len(two) == 1 and two[0]["update_id"] == first[0]["update_id"]
    rest = api(tg, "getUpdates", data={"offset": str(first[0]["update_id"] + 1)}).json()["result"]
    assert [next(k for k in u if k != "update_id") for u in rest] == ["message", "callback_query"]
    only = api(tg, "getUpdates", data={"offset": str(rest[0]["update_id"]), "allowed_updates": '["callback_query"]'})
    assert [u["callback_query"]["data"] for u in only.json()["result"]] == ["x"]
    assert tg.pending_updates() == 1


def test_stop_unblocks_long_poll() -> None:
    """stop() answers a pending long poll immediately with no updates."""
    tg = FakeTelegram().start()
    result: list[Any] = []
    poller = threading.Thread(target=lambda: result.append(api(tg, "getUpdates", data={"timeout": "20"}).json()))
    poller.start()
    deadline = time.monotonic() + 5
    while tg.waiting_polls() == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.monotonic()
    tg.stop()
    poller.join(5)
    assert time.monotonic() - started < 3
    assert result == [{"ok": True, "result": []}]


def test_fault_injection_on_the_wire(tg: FakeTelegram) -> None:
    """Injected 429/502 answers look like Telegram's and failed calls are not recorded."""
    tg.fail_next("sendMessage", 1, status=429, retry_after=3)
    tg.fail_next("sendChatAction", 1, status=502)
    flood = api(tg, "sendMessage", data={"chat_id": "1", "text": "x"})
    assert flood.status_code == 429
    assert flood.json() == {
        "ok": False, "error_code": 429, "description": "Too Many Requests: retry after 3",
        "parameters": {"retry_after": 3},
    }
    gateway = api(tg, "sendChatAction", data={"chat_id": "1", "action": "typing"})
    assert gateway.status_code == 502 and b"502 Bad Gateway" in gateway.content
    assert tg.sent() == []
    assert api(tg, "sendMessage", data={"chat_id": "1", "text": "x"}).status_code == 200
    assert len(tg.sent(1)) == 1


def test_fail_ratio_is_deterministic() -> None:
    """The same seed fails the same calls."""
    outcomes: list[list[int]] = []
    for _ in range(2):
        with FakeTelegram() as tg:
            tg.fail_ratio("sendChatAction", 0.5, status=502, seed=42)
            action = {"chat_id": "1", "action": "typing"}
            outcomes.append([api(tg, "sendChatAction", data=action).status_code for _ in range(20)])
            assert len(tg.calls("sendChatAction")) == outcomes[-1].count(200)
    assert outcomes[0] == outcomes[1]
    assert 0 < outcomes[0].count(502) < 20


def test_request_encodings_are_decoded(tg: FakeTelegram) -> None:
    """JSON, form-encoded and multipart bodies decode to the same typed params."""
    markup = {"inline_keyboard": [[{"text": "a", "callback_data": "1"}]]}
    api(tg, "sendMessage", json={"chat_id": 5, "text": "123", "reply_markup": markup})
    api(tg, "sendMessage", data={"chat_id": "5", "text": "123", "reply_markup": json.dumps(markup)})
    api(tg, "sendMessage", data={"chat_id": "5", "text": "123"}, files={"ignored": ("a.txt", b"x", "text/plain")})
    first, second, third = (c["params"] for c in tg.sent(5))
    assert first == second == {"chat_id": 5, "text": "123", "reply_markup": markup}
    assert third["text"] == "123" and third["ignored"]["data"] == b"x"
    assert tg.calls("sendMessage")[0]["result"]["reply_markup"] == markup
    unknown = api(tg, "setChatTitle", data={"chat_id": "-5", "title": "x"}).json()
    assert unknown == {"ok": True, "result": True}
    assert tg.calls("setChatTitle")[0]["params"] == {"chat_id": -5, "title": "x"}


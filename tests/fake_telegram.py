"""Fake Telegram Bot API server and a runner for real python-telegram-bot Applications."""

from __future__ import annotations

import asyncio
import contextlib
import email.parser
import email.policy
import html
import itertools
import json
import logging
import random
import re
import socket
import sys
import threading
import time
import zlib
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar
from urllib.parse import parse_qsl, unquote, urlsplit

from telegram.ext import Application, ContextTypes

BOT_ID = 7000000001
BOT_TOKEN = f"{BOT_ID}:AAFakeTokenForTanyaBeritaTests_0123456"
BOT_USERNAME = "tanya_test_bot"
BOT_USER: dict[str, Any] = {
    "id": BOT_ID,
    "is_bot": True,
    "first_name": "Tanya",
    "username": BOT_USERNAME,
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": True,
}
DEFAULT_GROUP_USER_ID = 424242
OPT_IN_UPDATE_TYPES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
MESSAGE_METHODS = frozenset({"sendmessage", "editmessagetext"})
STRING_PARAMS = frozenset(
    {
        "text", "caption", "parse_mode", "callback_query_id", "file_id", "action", "data",
        "url", "description", "short_description", "name", "title", "query", "emoji",
        "inline_message_id", "language_code", "address", "first_name", "last_name",
        "phone_number", "secret_token", "business_connection_id", "message_effect_id",
        "question", "explanation", "sticker", "photo", "document", "video", "audio", "voice",
        "animation", "video_note", "thumbnail", "vcard", "payload", "currency",
        "start_parameter", "custom_title", "invite_link", "provider_token",
    }
)
HTML_ENTITY_TYPES = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough",
    "del": "strikethrough", "tg-spoiler": "spoiler", "a": "text_link", "code": "code",
    "pre": "pre", "blockquote": "blockquote", "tg-emoji": "custom_emoji", "span": "spoiler",
}
HTML_TOKEN = re.compile(r"<(/?)([A-Za-z][\w-]*)([^<>]*)>|<")
HTML_ATTR = re.compile(r"""([\w-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
BAD_GATEWAY_BODY = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n"
    b"</body>\r\n</html>\r\n"
)
FAKE_JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00fake-photo\xff\xd9"

_LOGGER = logging.getLogger(__name__)
T = TypeVar("T")
Record = dict[str, Any]


class ApiError(Exception):
    """A Bot API error answered as {"ok": false, ...} with the given HTTP status."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        """Return the JSON body Telegram would send for this error."""
        body: dict[str, Any] = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(description: str) -> ApiError:
    """Return a 400 Bad Request error with Telegram's description prefix."""
    return ApiError(400, f"Bad Request: {description}")


def utf16_len(text: str) -> int:
    """Return the length of text in UTF-16 code units, the unit of entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def chat_key(value: Any) -> int | str:
    """Normalise a chat_id parameter to an int, or a string such as '@channel'."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return str(value)


def decode_value(name: str, raw: str) -> Any:
    """Decode one form value the way PTB encodes it: JSON for non-strings, raw for strings."""
    if name in STRING_PARAMS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def decode_form(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Decode url-encoded or multipart text fields into typed parameters."""
    return {name: decode_value(name, raw) for name, raw in pairs}


def parse_multipart(content_type: str, body: bytes) -> dict[str, Any]:
    """Parse a multipart/form-data body into parameters; uploads become dicts with bytes."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    params: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is None:
            params[name] = decode_value(name, data.decode("utf-8"))
        else:
            params[name] = {"file_name": filename, "mime_type": part.get_content_type(), "data": data}
    return params


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Strip Telegram-HTML markup, returning plain text and entities, or raise like Telegram."""
    plain: list[str] = []
    stack: list[dict[str, Any]] = []
    entities: list[dict[str, Any]] = []
    position = 0
    for match in HTML_TOKEN.finditer(text):
        plain.append(html.unescape(text[position : match.start()]))
        position = match.end()
        offset = utf16_len("".join(plain))
        _html_tag(match, offset, stack, entities, len(text[: match.start()].encode()))
    plain.append(html.unescape(text[position:]))
    if stack:
        raise bad_request(
            f'can\'t parse entities: Can\'t find end tag corresponding to start tag "{stack[-1]["tag"]}"'
        )
    return "".join(plain), sorted(entities, key=lambda entity: entity["offset"])


def _html_tag(
    match: re.Match[str], offset: int, stack: list[dict[str, Any]], out: list[dict[str, Any]], at: int
) -> None:
    """Apply one HTML tag token to the open-tag stack and the finished entities."""
    if match.group(2) is None:
        raise bad_request(f"can't parse entities: Unexpected end of name token at byte offset {at}")
    closing, tag = match.group(1) == "/", match.group(2).lower()
    if tag not in HTML_ENTITY_TYPES:
        raise bad_request(f'can\'t parse entities: Unsupported start tag "{tag}" at byte offset {at}')
    if not closing:
        attrs = {m[1].lower(): html.unescape(m[2] or m[3] or m[4] or "") for m in HTML_ATTR.finditer(match.group(3))}
        if tag == "span" and attrs.get("class") != "tg-spoiler":
            raise bad_request(f'can\'t parse entities: Unsupported start tag "span" at byte offset {at}')
        stack.append({"tag": tag, "offset": offset, "attrs": attrs})
        return
    if not stack or stack[-1]["tag"] != tag:
        expected = f'"</{stack[-1]["tag"]}>"' if stack else "nothing"
        raise bad_request(
            f"can't parse entities: Unmatched end tag at byte offset {at}, "
            f'expected {expected}, found "</{tag}>"'
        )
    opened = stack.pop()
    entity = _html_entity(opened, offset - opened["offset"], stack)
    if entity is not None:
        out.append(entity)


def _html_entity(opened: dict[str, Any], length: int, stack: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Build the entity for a closed tag; code inside pre only sets the pre's language."""
    tag, attrs = opened["tag"], opened["attrs"]
    if tag == "code" and stack and stack[-1]["tag"] == "pre":
        stack[-1]["attrs"].setdefault("language", attrs.get("class", "").removeprefix("language-"))
        return None
    if length == 0:
        return None
    entity: dict[str, Any] = {"type": HTML_ENTITY_TYPES[tag], "offset": opened["offset"], "length": length}
    if tag == "a":
        entity["url"] = attrs.get("href", "")
    elif tag == "pre" and attrs.get("language"):
        entity["language"] = attrs["language"]
    elif tag == "blockquote" and "expandable" in opened["attrs"]:
        entity["type"] = "expandable_blockquote"
    elif tag == "tg-emoji":
        entity["custom_emoji_id"] = attrs.get("emoji-id", "")
    return entity


@dataclass
class _Fault:
    """Fault injection settings for one API method."""

    remaining: int = 0
    status: int = 429
    retry_after: int = 1
    ratio: float = 0.0
    ratio_status: int = 429
    rng: random.Random = field(default_factory=random.Random)

    def take(self) -> int | None:
        """Return the HTTP status to fail this call with, or None to let it through."""
        if self.remaining > 0:
            self.remaining -= 1
            return self.status
        if self.ratio and self.rng.random() < self.ratio:
            return self.ratio_status
        return None


class _Server(ThreadingHTTPServer):
    """Threading HTTP server that carries a reference to its FakeTelegram."""

    daemon_threads = True
    request_queue_size = 256

    def __init__(self, fake: FakeTelegram):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Ignore clients that went away (e.g. a cancelled long poll); report anything else."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    """Routes HTTP requests to the FakeTelegram that owns the server."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    wbufsize = 1 << 16
    server: _Server

    def setup(self) -> None:
        """Track the connection so stop() can close it."""
        super().setup()
        self.server.fake._track(self.connection, add=True)

    def finish(self) -> None:
        """Untrack the connection."""
        with contextlib.suppress(OSError):
            super().finish()
        self.server.fake._track(self.connection, add=False)

    def do_GET(self) -> None:
        """Serve API calls and file downloads."""
        self._dispatch()

    def do_POST(self) -> None:
        """Serve API calls."""
        self._dispatch()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Keep test output quiet."""

    def _dispatch(self) -> None:
        """Answer the request with what FakeTelegram decides."""
        body = self._read_body()
        status, payload, content_type = self.server.fake._respond(
            self.command, self.path, self.headers.get("Content-Type", ""), body
        )
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        try:
            self.wfile.write(payload)
            self.wfile.flush()
        except OSError:
            self.close_connection = True

    def _read_body(self) -> bytes:
        """Read a Content-Length or chunked request body."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0], 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            self.rfile.readline()
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))


class FakeTelegram:
    """In-process fake of the Telegram Bot API for driving a real PTB Application."""

    def __init__(self, token: str = BOT_TOKEN) -> None:
        self.token = token
        self.bot_user: dict[str, Any] = dict(BOT_USER, id=int(token.split(":")[0]))
        self._cond = threading.Condition(threading.RLock())
        self._ids = itertools.count(1)
        self._update_ids = itertools.count(100001)
        self._queue: list[dict[str, Any]] = []
        self._allowed: list[str] | None = None
        self._calls: list[Record] = []
        self._failed: list[Record] = []
        self._faults: dict[str, _Fault] = {}
        self._messages: dict[tuple[int | str, int], dict[str, Any]] = {}
        self._chats: dict[int | str, dict[str, Any]] = {}
        self._files: dict[str, dict[str, Any]] = {}
        self._file_data: dict[str, bytes] = {}
        self._commands: dict[str, list[dict[str, Any]]] = {}
        self._blocked: set[int | str] = set()
        self._connections: set[socket.socket] = set()
        self._stopped = False
        self._polling = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL of the server, e.g. http://127.0.0.1:PORT."""
        if self._server is None:
            raise RuntimeError("FakeTelegram is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def base_url(self) -> str:
        """Value for ApplicationBuilder.base_url()."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """Value for ApplicationBuilder.base_file_url()."""
        return f"{self.url}/file/bot"

    def start(self) -> FakeTelegram:
        """Bind to a random port on 127.0.0.1 and serve in a background thread."""
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="FakeTelegram", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Unblock long polls, stop serving and close all connections."""
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        with self._cond:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _track(self, connection: socket.socket, *, add: bool) -> None:
        """Remember or forget an open client connection."""
        with self._cond:
            if add:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue an update for getUpdates, assigning update_id if missing; return the id."""
        with self._cond:
            update = {"update_id": update.get("update_id") or next(self._update_ids), **update}
            for key in ("message", "edited_message", "channel_post", "edited_channel_post"):
                if key in update:
                    self._store(json.loads(json.dumps(update[key])))
            self._queue.append(update)
            self._cond.notify_all()
            return int(update["update_id"])

    def text_message(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        chat_type: str = "private",
        language_code: str = "en",
        reply_to_bot: bool | str = False,
        entities: list[dict[str, Any]] | None = None,
        forward_origin: dict[str, Any] | None = None,
        caption: str | None = None,
        photo: bool = False,
        media_group_id: str | None = None,
        document: dict[str, Any] | None = None,
        anonymous: bool = False,
    ) -> int:
        """Push a user message (text, or photo/document with caption); return the update_id.

        `anonymous`: sent on behalf of the chat (an anonymous group admin), so the message has no `from`.
        """
        message = self.build_message(chat_id, user_id=user_id, chat_type=chat_type, language_code=language_code)
        if anonymous:
            del message["from"]
            message["sender_chat"] = dict(message["chat"])
        if photo or document is not None:
            body = caption if caption is not None else text
            message.update(self._media(photo, document))
            if body:
                message["caption"] = body
            if entities:
                message["caption_entities"] = entities
        elif caption is not None:
            raise ValueError("caption needs photo=True or a document")
        else:
            message["text"] = text
            if entities:
                message["entities"] = entities
        if reply_to_bot:
            containing = reply_to_bot if isinstance(reply_to_bot, str) else None
            message["reply_to_message"] = self._last_bot_message(message["chat"], containing)
        if forward_origin is not None:
            message["forward_origin"] = forward_origin
        if media_group_id is not None:
            message["media_group_id"] = media_group_id
        return self.push_update({"message": message})

    def edit_user_message(self, chat_id: int, text: str, *, user_id: int | None = None) -> int:
        """Push an `edited_message`: the user's latest message in the chat with new text (as after a typo fix)."""
        with self._cond:
            mine = user_id or chat_id
            latest = max((m for (k, _), m in self._messages.items()
                          if k == chat_key(chat_id) and m.get("from", {}).get("id") == mine),
                         key=lambda m: m["message_id"])
            edited = {**json.loads(json.dumps(latest)), "text": text, "edit_date": int(time.time())}
            edited.pop("entities", None)
        return self.push_update({"edited_message": edited})

    def command(self, chat_id: int, text: str, **kwargs: Any) -> int:
        """Push a '/command args' message with a bot_command entity; kwargs as text_message."""
        name = text.split(maxsplit=1)[0]
        entity = {"type": "bot_command", "offset": 0, "length": utf16_len(name)}
        extra = kwargs.pop("entities", None) or []
        return self.text_message(chat_id, text, entities=[entity, *extra], **kwargs)

    def group_message(
        self, chat_id: int, text: str, *, mention: bool = True, chat_type: str = "group", **kwargs: Any
    ) -> int:
        """Push a group/supergroup message, by default starting with a @tanya_test_bot mention."""
        user_id = kwargs.pop("user_id", None) or DEFAULT_GROUP_USER_ID
        if not mention:
            return self.text_message(chat_id, text, chat_type=chat_type, user_id=user_id, **kwargs)
        handle = f"@{self.bot_user['username']}"
        entity = {"type": "mention", "offset": 0, "length": utf16_len(handle)}
        return self.text_message(
            chat_id, f"{handle} {text}", chat_type=chat_type, user_id=user_id, entities=[entity], **kwargs
        )

    def group_command(self, chat_id: int, text: str, *, chat_type: str = "group", **kwargs: Any) -> int:
        """Push '/command@tanya_test_bot args' in a group chat."""
        name, _, rest = text.partition(" ")
        full = f"{name}@{self.bot_user['username']}" + (f" {rest}" if rest else "")
        user_id = kwargs.pop("user_id", None) or DEFAULT_GROUP_USER_ID
        return self.command(chat_id, full, chat_type=chat_type, user_id=user_id, **kwargs)

    def forwarded_channel_post(
        self,
        chat_id: int,
        text: str,
        *,
        channel_title: str,
        channel_username: str | None,
        channel_message_id: int,
        date: int,
        user_id: int | None = None,
        channel_id: int | None = None,
        entities: list[dict[str, Any]] | None = None,
    ) -> int:
        """Push a message forwarded from a channel (forward_origin of type 'channel')."""
        name = channel_username or channel_title
        channel: dict[str, Any] = {
            "id": channel_id or -1000000000000 - zlib.crc32(name.encode()) % 10**9,
            "type": "channel",
            "title": channel_title,
        }
        if channel_username:
            channel["username"] = channel_username
        origin = {"type": "channel", "chat": channel, "message_id": channel_message_id, "date": date}
        return self.text_message(chat_id, text, user_id=user_id, entities=entities, forward_origin=origin)

    def channel_post(self, channel_id: int, text: str, *, channel_title: str = "Kanal Berita",
                     entities: list[dict[str, Any]] | None = None, username: str | None = None,
                     message_id: int | None = None, date: int | None = None, photo: bool = False,
                     media_group_id: str | None = None, edited: bool = False) -> int:
        """Push a post in a channel the bot is a member of: a `channel_post` update, with no `from` user.

        `photo` makes `text` the photo's caption; `media_group_id` puts the post in an album; `edited` pushes an
        `edited_channel_post` of `message_id` instead.
        """
        with self._cond:
            chat = self._chats.setdefault(chat_key(channel_id), {"id": channel_id, "type": "channel",
                                                                 "title": channel_title})
            if username:
                chat["username"] = username
            post: dict[str, Any] = {"message_id": message_id or next(self._ids), "sender_chat": dict(chat),
                                    "chat": dict(chat), "date": date or int(time.time())}
        if photo:
            post.update(self._media(True, None))
            if text:
                post["caption"] = text
        else:
            post["text"] = text
        if entities:
            post["caption_entities" if photo else "entities"] = entities
        if media_group_id is not None:
            post["media_group_id"] = media_group_id
        if edited:
            post["edit_date"] = int(time.time())
        return self.push_update({"edited_channel_post" if edited else "channel_post": post})

    def callback_query(
        self, chat_id: int, message_id: int, data: str, *, user_id: int | None = None, chat_type: str = "private"
    ) -> int:
        """Push a callback_query pressed on message_id (a bot message, synthesised if unknown)."""
        with self._cond:
            message = self._messages.get((chat_key(chat_id), message_id))
            if message is None:
                message = self._bot_message(chat_id, message_id=message_id, text="(earlier message)")
                self._store(message)
            user = self._user(user_id or (chat_id if chat_type == "private" else DEFAULT_GROUP_USER_ID), "en")
            query = {
                "id": str(next(self._ids) * 1000003),
                "from": user,
                "message": json.loads(json.dumps(message)),
                "chat_instance": str(zlib.crc32(str(chat_id).encode())),
                "data": data,
            }
        return self.push_update({"callback_query": query})

    def inline_query(self, user_id: int, query: str, *, language_code: str = "en") -> str:
        """Push an inline query typed by a user in any chat ("@bot query"); return its id."""
        query_id = str(next(self._ids) * 1000033)
        self.push_update({"inline_query": {"id": query_id, "from": self._user(user_id, language_code),
                                           "query": query, "offset": "", "chat_type": "sender"}})
        return query_id

    def inline_answer(self, query_id: str, timeout: float = 30) -> list[dict[str, Any]]:
        """Wait for the bot's answerInlineQuery to an inline query; return its results."""
        call = self.wait_for(lambda c: c["method"].lower() == "answerinlinequery"
                             and str(c["params"].get("inline_query_id")) == query_id, timeout)[0]
        results = call["params"].get("results") or []
        return json.loads(results) if isinstance(results, str) else results

    def choose_inline_result(self, chat_id: int, user_id: int, result: dict[str, Any]) -> dict[str, Any]:
        """A user picks an inline result in a chat: its content is posted there as the user's message, "via" the
        bot (the bot receives that message too); return the message as Telegram stored it."""
        content = result["input_message_content"]
        plain, entities = self._formatted(content["message_text"], content.get("parse_mode"), content.get("entities"))
        with self._cond:
            user = self._user(user_id, "en")
            chat = self._chats.get(chat_key(chat_id)) or self._new_chat(chat_id, "private" if chat_id > 0
                                                                       else "supergroup", user)
            self._chats[chat_key(chat_id)] = chat
            message = {"message_id": next(self._ids), "from": user, "chat": dict(chat), "date": int(time.time()),
                       "text": plain, "via_bot": dict(self.bot_user), **({"entities": entities} if entities else {})}
        self.push_update({"message": message})
        return json.loads(json.dumps(message))

    def document_message(
        self,
        chat_id: int,
        file_name: str,
        data: bytes,
        mime_type: str,
        *,
        caption: str | None = None,
        **kwargs: Any,
    ) -> int:
        """Push a document message whose file can be fetched with getFile and downloaded."""
        stored = self.register_file(data, file_name=file_name)
        document = {
            "file_name": file_name,
            "mime_type": mime_type,
            "file_id": stored["file_id"],
            "file_unique_id": stored["file_unique_id"],
            "file_size": len(data),
        }
        return self.text_message(chat_id, "", caption=caption, document=document, **kwargs)

    def register_file(
        self, data: bytes, *, file_name: str = "file.bin", file_path: str | None = None
    ) -> dict[str, Any]:
        """Store bytes for getFile and /file downloads; return the File object."""
        with self._cond:
            number = next(self._ids)
            suffix = file_name.rpartition(".")[2] if "." in file_name else "bin"
            path = file_path or f"documents/file_{number}.{suffix}"
            stored = {
                "file_id": f"BQACAgIAAxkBAAI{number:06d}fake",
                "file_unique_id": f"AgAD{number:06d}",
                "file_size": len(data),
                "file_path": path,
            }
            self._files[stored["file_id"]] = stored
            self._file_data[path] = data
            return dict(stored)

    def block(self, chat_id: int) -> None:
        """Make sends to chat_id fail with 403 'bot was blocked by the user'."""
        with self._cond:
            self._blocked.add(chat_key(chat_id))

    def build_message(
        self, chat_id: int, *, user_id: int | None = None, chat_type: str = "private", language_code: str = "en"
    ) -> dict[str, Any]:
        """Return a new user message skeleton (message_id, date, chat, from) without content."""
        with self._cond:
            default_user = chat_id if chat_type == "private" else DEFAULT_GROUP_USER_ID
            user = self._user(user_id or default_user, language_code)
            chat = self._chats.get(chat_key(chat_id)) or self._new_chat(chat_id, chat_type, user)
            self._chats[chat_key(chat_id)] = chat
            return {"message_id": next(self._ids), "from": user, "chat": dict(chat), "date": int(time.time())}

    def calls(self, method: str | None = None) -> list[Record]:
        """Return recorded successful calls, optionally only those of one method."""
        with self._cond:
            return [c for c in self._calls if method is None or c["method"].lower() == method.lower()]

    def failed(self, method: str | None = None) -> list[Record]:
        """Return calls answered with an injected fault or an API error (not delivered)."""
        with self._cond:
            return [c for c in self._failed if method is None or c["method"].lower() == method.lower()]

    def sent(self, chat_id: int | str | None = None) -> list[Record]:
        """Return recorded outgoing (non-get*) calls, optionally only those for chat_id."""
        with self._cond:
            return [c for c in self._calls if self._is_outgoing(c) and self._for_chat(c, chat_id)]

    def texts(self, chat_id: int | str) -> list[str]:
        """Return the text of each sendMessage/editMessageText delivered to chat_id."""
        return [c["params"].get("text", "") for c in self.sent(chat_id) if c["method"].lower() in MESSAGE_METHODS]

    def bot_messages(self, chat_id: int | str) -> list[dict[str, Any]]:
        """Return the current state (after edits and deletes) of the bot's messages in a chat."""
        with self._cond:
            key = chat_key(chat_id)
            mine = self.bot_user["id"]
            found = [m for (k, _), m in self._messages.items() if k == key and m.get("from", {}).get("id") == mine]
            return sorted(found, key=lambda m: m["message_id"])

    def commands(self, scope: dict[str, Any] | None = None, language_code: str = "") -> list[dict[str, Any]]:
        """Return the commands recorded by setMyCommands for a scope and language."""
        with self._cond:
            return list(self._commands.get(self._commands_key(scope, language_code), []))

    def wait_for(
        self, predicate: Callable[[Record], bool], timeout: float = 30, *, count: int = 1
    ) -> list[Record]:
        """Block until at least count recorded calls match predicate; return all matches."""
        with self._cond:
            matches: list[Record] = []

            def enough() -> bool:
                matches[:] = [c for c in self._calls if predicate(c)]
                return len(matches) >= count

            if not self._cond.wait_for(enough, timeout=timeout):
                summary = [(c["method"], c["params"].get("chat_id"), c["params"].get("text")) for c in self._calls]
                raise TimeoutError(f"only {len(matches)}/{count} matching calls after {timeout}s; calls: {summary}")
            return list(matches)

    def wait_for_messages(self, chat_id: int | str, count: int = 1, timeout: float = 30) -> list[Record]:
        """Block until count sendMessage/editMessageText calls reached chat_id; return them."""
        key = chat_key(chat_id)

        def matches(call: Record) -> bool:
            return call["method"].lower() in MESSAGE_METHODS and chat_key(call["params"].get("chat_id")) == key

        return self.wait_for(matches, timeout, count=count)

    def wait_consumed(self, timeout: float = 10) -> None:
        """Block until every pushed update was confirmed by a later getUpdates offset."""
        with self._cond:
            if not self._cond.wait_for(lambda: not self._queue, timeout=timeout):
                raise TimeoutError(f"{len(self._queue)} updates still unconfirmed after {timeout}s")

    def waiting_polls(self) -> int:
        """Return how many getUpdates requests are currently blocked in a long poll."""
        with self._cond:
            return self._polling

    def pending_updates(self) -> int:
        """Return how many updates are queued and not yet confirmed."""
        with self._cond:
            return len(self._queue)

    def fail_next(self, method: str, count: int = 1, *, status: int = 429, retry_after: int = 1) -> None:
        """Answer the next count calls of method with an error (429 flood wait, 502, ...)."""
        with self._cond:
            fault = self._faults.setdefault(method.lower(), _Fault())
            fault.remaining, fault.status, fault.retry_after = count, status, retry_after

    def fail_ratio(
        self, method: str, ratio: float, status: int = 429, seed: int = 0, *, retry_after: int = 1
    ) -> None:
        """Fail a deterministic pseudo-random share of calls of method (ratio 0 disables)."""
        with self._cond:
            fault = self._faults.setdefault(method.lower(), _Fault())
            fault.ratio, fault.ratio_status, fault.retry_after = ratio, status, retry_after
            fault.rng = random.Random(seed)

    def clear_faults(self) -> None:
        """Remove all injected faults."""
        with self._cond:
            self._faults.clear()

    def _respond(self, verb: str, path: str, content_type: str, body: bytes) -> tuple[int, bytes, str]:
        """Route one HTTP request; return status, body and content type."""
        parts = urlsplit(path)
        route = unquote(parts.path)
        if route.startswith("/file/bot"):
            return self._serve_file(route.removeprefix("/file/bot"))
        if not route.startswith("/bot"):
            return self._json(ApiError(404, "Not Found").payload(), 404)
        token, _, method = route.removeprefix("/bot").partition("/")
        if token != self.token:
            return self._json(ApiError(401, "Unauthorized").payload(), 401)
        if not method:
            return self._json(ApiError(404, "Not Found").payload(), 404)
        try:
            params = dict(decode_form(parse_qsl(parts.query, keep_blank_values=True)))
            params.update(self._decode_body(content_type, body))
        except (ValueError, UnicodeDecodeError) as exc:
            return self._json(bad_request(f"can't parse request: {exc}").payload(), 400)
        return self._call(method, params)

    @staticmethod
    def _decode_body(content_type: str, body: bytes) -> dict[str, Any]:
        """Decode a JSON, form-encoded or multipart body into parameters."""
        if not body:
            return {}
        kind = content_type.split(";")[0].strip().lower()
        if kind == "application/json":
            decoded = json.loads(body)
            if not isinstance(decoded, dict):
                raise ValueError("JSON body must be an object")
            return decoded
        if kind == "multipart/form-data":
            return parse_multipart(content_type, body)
        return decode_form(parse_qsl(body.decode("utf-8"), keep_blank_values=True))

    def _call(self, method: str, params: dict[str, Any]) -> tuple[int, bytes, str]:
        """Run an API method with fault injection and recording."""
        with self._cond:
            fault = self._faults.get(method.lower())
            status = fault.take() if fault else None
            retry_after = fault.retry_after if fault else 1
        if status is not None:
            self._note_failure(method, params, status)
            return self._fault_response(status, retry_after)
        try:
            result = self._handler(method)(params)
        except ApiError as error:
            self._note_failure(method, params, error.code, error.description)
            return self._json(error.payload(), error.code)
        with self._cond:
            self._calls.append({"method": method, "params": params, "result": result, "time": time.time()})
            self._cond.notify_all()
        return self._json({"ok": True, "result": result}, 200)

    def _note_failure(self, method: str, params: dict[str, Any], status: int, description: str = "") -> None:
        """Record a call that was answered with an error."""
        with self._cond:
            self._failed.append(
                {"method": method, "params": params, "status": status, "description": description, "time": time.time()}
            )
            self._cond.notify_all()

    @staticmethod
    def _fault_response(status: int, retry_after: int) -> tuple[int, bytes, str]:
        """Return the HTTP answer for an injected fault."""
        if status == 429:
            error = ApiError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})
            return FakeTelegram._json(error.payload(), 429)
        if status == 502:
            return 502, BAD_GATEWAY_BODY, "text/html"
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "Error"
        return FakeTelegram._json(ApiError(status, phrase).payload(), status)

    @staticmethod
    def _json(payload: Any, status: int) -> tuple[int, bytes, str]:
        """Serialise a JSON answer."""
        return status, json.dumps(payload).encode(), "application/json"

    def _serve_file(self, rest: str) -> tuple[int, bytes, str]:
        """Serve bytes registered for /file/bot<token>/<file_path>."""
        token, _, path = rest.partition("/")
        if token != self.token:
            return self._json(ApiError(401, "Unauthorized").payload(), 401)
        with self._cond:
            data = self._file_data.get(path)
        if data is None:
            return self._json(ApiError(404, "Not Found").payload(), 404)
        return 200, data, "application/octet-stream"

    def _handler(self, method: str) -> Callable[[dict[str, Any]], Any]:
        """Return the implementation of an API method (generic fallback if unknown)."""
        name = method.lower()
        handlers: dict[str, Callable[[dict[str, Any]], Any]] = {
            "getme": lambda _: dict(self.bot_user),
            "getupdates": self._get_updates,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "setmycommands": self._set_my_commands,
            "getmycommands": lambda p: self.commands(p.get("scope"), p.get("language_code", "")),
            "deletemycommands": self._delete_my_commands,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagereplymarkup": self._edit_reply_markup,
            "answercallbackquery": lambda _: True,
            "answerinlinequery": lambda _: True,
            "sendchataction": self._send_chat_action,
            "getfile": self._get_file,
            "deletemessage": self._delete_message,
        }
        if name in handlers:
            return handlers[name]
        if name.startswith("send") and name != "sendmediagroup":
            return self._send_other
        return lambda _: True

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Long-poll: confirm below offset, then wait up to timeout for allowed updates."""
        limit = max(1, min(int(params.get("limit") or 100), 100))
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        with self._cond:
            if params.get("allowed_updates") is not None:
                self._allowed = list(params["allowed_updates"])
            self._confirm(int(params.get("offset") or 0))
            self._polling += 1
            try:
                while not self._queue and not self._stopped and (left := deadline - time.monotonic()) > 0:
                    self._cond.wait(left)
                    self._confirm(0)
            finally:
                self._polling -= 1
            return json.loads(json.dumps(self._queue[:limit]))

    def _confirm(self, offset: int) -> None:
        """Drop updates confirmed by offset and those excluded by allowed_updates."""
        before = len(self._queue)
        if offset < 0:
            self._queue = self._queue[offset:]
        elif offset > 0:
            self._queue = [u for u in self._queue if u["update_id"] >= offset]
        self._queue = [u for u in self._queue if self._is_allowed(u)]
        if len(self._queue) != before:
            self._cond.notify_all()

    def _is_allowed(self, update: dict[str, Any]) -> bool:
        """Return whether the current allowed_updates setting lets this update through."""
        kind = next((k for k in update if k != "update_id"), "")
        if not self._allowed:
            return kind not in OPT_IN_UPDATE_TYPES
        return kind in self._allowed

    def _get_webhook_info(self, params: dict[str, Any]) -> dict[str, Any]:
        """Report that no webhook is set."""
        return {"url": "", "has_custom_certificate": False, "pending_update_count": self.pending_updates()}

    def _delete_webhook(self, params: dict[str, Any]) -> bool:
        """Accept deleteWebhook, dropping queued updates when asked."""
        if params.get("drop_pending_updates"):
            with self._cond:
                self._queue.clear()
                self._cond.notify_all()
        return True

    @staticmethod
    def _commands_key(scope: dict[str, Any] | None, language_code: str | None) -> str:
        """Key commands by scope and language like Telegram does."""
        return json.dumps([scope or {"type": "default"}, language_code or ""], sort_keys=True)

    def _set_my_commands(self, params: dict[str, Any]) -> bool:
        """Record commands for a scope and language."""
        commands = params.get("commands") or []
        if len(commands) > 100:
            raise bad_request("too many commands")
        with self._cond:
            self._commands[self._commands_key(params.get("scope"), params.get("language_code"))] = list(commands)
        return True

    def _delete_my_commands(self, params: dict[str, Any]) -> bool:
        """Forget commands for a scope and language."""
        with self._cond:
            self._commands.pop(self._commands_key(params.get("scope"), params.get("language_code")), None)
        return True

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        """Validate and deliver a text message; return the Message."""
        text = str(params.get("text", ""))
        if not text.strip():
            raise bad_request("message text is empty")
        plain, entities = self._formatted(text, params.get("parse_mode"), params.get("entities"))
        if len(plain) > 4096:
            raise bad_request("message is too long")
        message = self._outgoing(params, text=plain)
        if entities:
            message["entities"] = entities
        if params.get("link_preview_options"):
            message["link_preview_options"] = params["link_preview_options"]
        return self._store(message)

    def _send_other(self, params: dict[str, Any]) -> dict[str, Any]:
        """Deliver sendPhoto/sendDocument/...: a Message with the caption and a media stub."""
        with self._cond:
            message = self._outgoing(params)
            if params.get("caption"):
                caption, entities = self._formatted(
                    params["caption"], params.get("parse_mode"), params.get("caption_entities")
                )
                if len(caption) > 1024:
                    raise bad_request("message caption is too long")
                message["caption"] = caption
                if entities:
                    message["caption_entities"] = entities
            for kind in ("document", "photo", "audio", "video", "voice", "animation", "sticker"):
                if kind in params:
                    message.update(self._uploaded(kind, params[kind]))
            return self._store(message)

    def _uploaded(self, kind: str, value: Any) -> dict[str, Any]:
        """Register an uploaded file (or reuse a file_id) and describe it as message media."""
        if isinstance(value, dict):
            stored = self.register_file(value["data"], file_name=value["file_name"])
            extra = {"file_name": value["file_name"], "mime_type": value["mime_type"]}
        else:
            stored = self._files.get(str(value)) or self.register_file(b"", file_name="remote.bin")
            extra = {}
        media = {key: stored[key] for key in ("file_id", "file_unique_id", "file_size")}
        if kind == "photo":
            return {"photo": [dict(media, width=1280, height=960)]}
        if kind == "sticker":
            return {"sticker": dict(media, type="regular", width=512, height=512, is_animated=False, is_video=False)}
        return {kind: dict(media, **extra)}

    def _edit_message_text(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        """Edit a bot message's text; Telegram rejects unchanged content."""
        if params.get("inline_message_id"):
            return True
        text = str(params.get("text", ""))
        plain, entities = self._formatted(text, params.get("parse_mode"), params.get("entities"))
        if not plain.strip():
            raise bad_request("message text is empty")
        if len(plain) > 4096:
            raise bad_request("MESSAGE_TOO_LONG")
        with self._cond:
            message = self._editable(params)
            markup = self._inline_markup(params.get("reply_markup"))
            unchanged = (message.get("text"), message.get("entities", []), message.get("reply_markup"))
            if unchanged == (plain, entities, markup):
                raise bad_request(
                    "message is not modified: specified new message content and reply markup are exactly "
                    "the same as a current content and reply markup of the message"
                )
            message.update(text=plain, edit_date=int(time.time()))
            message.pop("entities", None)
            message.pop("reply_markup", None)
            if entities:
                message["entities"] = entities
            if markup:
                message["reply_markup"] = markup
            return json.loads(json.dumps(message))

    def _edit_reply_markup(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        """Replace or remove a bot message's inline keyboard."""
        if params.get("inline_message_id"):
            return True
        with self._cond:
            message = self._editable(params)
            markup = self._inline_markup(params.get("reply_markup"))
            if message.get("reply_markup") == markup:
                raise bad_request(
                    "message is not modified: specified new message content and reply markup are exactly "
                    "the same as a current content and reply markup of the message"
                )
            message.pop("reply_markup", None)
            if markup:
                message["reply_markup"] = markup
            message["edit_date"] = int(time.time())
            return json.loads(json.dumps(message))

    def _editable(self, params: dict[str, Any]) -> dict[str, Any]:
        """Return the stored bot message addressed by chat_id and message_id, or raise."""
        message = self._messages.get((chat_key(params.get("chat_id")), int(params.get("message_id") or 0)))
        if message is None:
            raise bad_request("message to edit not found")
        if message.get("from", {}).get("id") != self.bot_user["id"]:
            raise bad_request("message can't be edited")
        return message

    def _send_chat_action(self, params: dict[str, Any]) -> bool:
        """Accept a chat action for a reachable chat."""
        self._check_reachable(params.get("chat_id"))
        return True

    def _get_file(self, params: dict[str, Any]) -> dict[str, Any]:
        """Return a registered file's File object."""
        with self._cond:
            stored = self._files.get(str(params.get("file_id", "")))
        if stored is None:
            raise bad_request("invalid file_id")
        return dict(stored)

    def _delete_message(self, params: dict[str, Any]) -> bool:
        """Delete a stored message."""
        with self._cond:
            key = (chat_key(params.get("chat_id")), int(params.get("message_id") or 0))
            if self._messages.pop(key, None) is None:
                raise bad_request("message to delete not found")
        return True

    @staticmethod
    def _formatted(
        text: str, parse_mode: str | None, entities: list[dict[str, Any]] | None
    ) -> tuple[str, list[dict[str, Any]]]:
        """Apply explicit entities or HTML parse_mode; other parse modes keep the raw text."""
        if entities:
            return text, list(entities)
        if parse_mode and parse_mode.lower() == "html":
            return parse_html(text)
        return text, []

    def _outgoing(self, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        """Build a bot Message for chat_id with reply and inline keyboard handling."""
        with self._cond:
            chat_id = params.get("chat_id")
            self._check_reachable(chat_id)
            message = self._bot_message(chat_id, **content)
            reply = params.get("reply_parameters") or {}
            if reply.get("message_id"):
                target = self._messages.get((chat_key(reply.get("chat_id", chat_id)), int(reply["message_id"])))
                if target is not None:
                    message["reply_to_message"] = {k: v for k, v in target.items() if k != "reply_to_message"}
                elif not reply.get("allow_sending_without_reply"):
                    raise bad_request("message to be replied not found")
            markup = self._inline_markup(params.get("reply_markup"))
            if markup:
                message["reply_markup"] = markup
            return message

    def _check_reachable(self, chat_id: Any) -> None:
        """Raise Telegram's errors for a missing or blocked chat."""
        if chat_id is None or chat_id == "":
            raise bad_request("chat_id is empty")
        if chat_key(chat_id) in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")

    @staticmethod
    def _inline_markup(markup: Any) -> dict[str, Any] | None:
        """Return reply_markup if it is an inline keyboard (the only kind echoed in Messages)."""
        if isinstance(markup, dict) and markup.get("inline_keyboard"):
            return markup
        return None

    def _bot_message(self, chat_id: Any, *, message_id: int | None = None, **content: Any) -> dict[str, Any]:
        """Return a Message sent by the bot to chat_id."""
        with self._cond:
            key = chat_key(chat_id)
            kind = "private" if isinstance(key, int) and key > 0 else "supergroup"
            chat = self._chats.get(key) or self._new_chat(key, kind, None)
            return {
                "message_id": message_id or next(self._ids),
                "from": dict(self.bot_user),
                "chat": dict(chat),
                "date": int(time.time()),
                **content,
            }

    def _store(self, message: dict[str, Any]) -> dict[str, Any]:
        """Remember a message for replies, edits and deletes; return a copy."""
        with self._cond:
            self._messages[(chat_key(message["chat"]["id"]), int(message["message_id"]))] = message
            return json.loads(json.dumps(message))

    def _last_bot_message(self, chat: dict[str, Any], containing: str | None = None) -> dict[str, Any]:
        """Return the latest bot message in chat (whose text contains `containing`, when given), synthesising one
        if there is none."""
        with self._cond:
            mine = [m for m in self.bot_messages(chat["id"])
                    if containing is None or containing.lower() in m.get("text", "").lower()]
            if mine:
                return json.loads(json.dumps(mine[-1]))
            return self._store(self._bot_message(chat["id"], text="Halo! Tanya apa saja tentang berita."))

    @staticmethod
    def _user(user_id: int, language_code: str) -> dict[str, Any]:
        """Return a human User object."""
        return {
            "id": user_id,
            "is_bot": False,
            "first_name": f"User{user_id}",
            "username": f"user{user_id}",
            "language_code": language_code,
        }

    @staticmethod
    def _new_chat(chat_id: int | str, chat_type: str, user: dict[str, Any] | None) -> dict[str, Any]:
        """Return a Chat object of the given type."""
        if chat_type == "private":
            person = user or FakeTelegram._user(int(chat_id), "en")
            return {
                "id": chat_id, "type": "private", "first_name": person["first_name"], "username": person["username"]
            }
        return {"id": chat_id, "type": chat_type, "title": f"Group {chat_id}"}

    def _media(self, photo: bool, document: dict[str, Any] | None) -> dict[str, Any]:
        """Return the media fields for a user photo or document message."""
        if document is not None:
            return {"document": document}
        sizes = []
        for width, height in ((90, 67), (1280, 960)):
            path = f"photos/file_{next(self._ids)}.jpg"
            stored = self.register_file(FAKE_JPEG, file_name="photo.jpg", file_path=path)
            stored.pop("file_path")
            sizes.append(dict(stored, width=width, height=height))
        return {"photo": sizes}

    @staticmethod
    def _is_outgoing(call: Record) -> bool:
        """Return whether a call changes something (i.e. is not a get* read)."""
        return not call["method"].lower().startswith("get") and call["method"].lower() != "deletewebhook"

    @staticmethod
    def _for_chat(call: Record, chat_id: int | str | None) -> bool:
        """Return whether a call targets chat_id (always true when chat_id is None)."""
        return chat_id is None or chat_key(call["params"].get("chat_id")) == chat_key(chat_id)


@dataclass
class RunningApplication:
    """Handle to an Application running in a background thread with its own event loop."""

    app: Application[Any, Any, Any, Any, Any, Any]
    loop: asyncio.AbstractEventLoop
    errors: list[BaseException]

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        """Run a coroutine on the application's loop from the test thread and return its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)


@dataclass
class _Runner:
    """Internal state shared between the test thread and the application thread."""

    app: Application[Any, Any, Any, Any, Any, Any]
    poll_timeout: int
    allowed_updates: list[str] | None
    drop_pending_updates: bool
    ready: threading.Event = field(default_factory=threading.Event)
    loop: asyncio.AbstractEventLoop | None = None
    stop_event: asyncio.Event | None = None
    failure: BaseException | None = None

    def thread_main(self) -> None:
        """Thread entry point: run the application until asked to stop."""
        try:
            asyncio.run(self.serve())
        except BaseException as exc:
            self.failure = self.failure or exc
        finally:
            self.ready.set()

    async def serve(self) -> None:
        """Initialise, start and poll; on stop, shut everything down in order."""
        self.loop = asyncio.get_running_loop()
        self.stop_event = asyncio.Event()
        try:
            if self.app.updater is None:
                raise RuntimeError("run_application needs an Application built with an Updater")
            await self.app.initialize()
            await self.app.start()
            await self.app.updater.start_polling(
                poll_interval=0,
                timeout=self.poll_timeout,
                allowed_updates=self.allowed_updates,
                drop_pending_updates=self.drop_pending_updates,
            )
        except BaseException as exc:
            self.failure = exc
            await self.shutdown()
            await self.app.bot.request.shutdown()
            return
        self.ready.set()
        await self.stop_event.wait()
        await self.shutdown()

    async def shutdown(self) -> None:
        """Stop whatever part of the application is running."""
        if self.app.updater is not None and self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()

    def request_stop(self) -> None:
        """Ask the application thread to stop (thread-safe)."""
        if self.loop is not None and self.stop_event is not None and not self.loop.is_closed():
            with contextlib.suppress(RuntimeError):
                self.loop.call_soon_threadsafe(self.stop_event.set)


@contextlib.contextmanager
def run_application(
    app: Application[Any, Any, Any, Any, Any, Any],
    *,
    poll_timeout: int = 1,
    allowed_updates: list[str] | None = None,
    drop_pending_updates: bool = False,
    startup_timeout: float = 15,
    stop_timeout: float = 15,
) -> Iterator[RunningApplication]:
    """Run app (initialize, start, start_polling) in a background thread; stop it on exit."""
    errors: list[BaseException] = []

    async def collect(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Keep handler errors for the test and log them."""
        if context.error is not None:
            errors.append(context.error)
            _LOGGER.error("handler error for %r", update, exc_info=context.error)

    app.add_error_handler(collect)
    runner = _Runner(app, poll_timeout, allowed_updates, drop_pending_updates)
    thread = threading.Thread(target=runner.thread_main, name="ptb-application", daemon=True)
    thread.start()
    try:
        if not runner.ready.wait(startup_timeout):
            raise TimeoutError(f"application did not start within {startup_timeout}s")
        if runner.failure is not None or runner.loop is None:
            thread.join(stop_timeout)
            raise RuntimeError("application failed to start") from runner.failure
        yield RunningApplication(app, runner.loop, errors)
    finally:
        runner.request_stop()
        thread.join(stop_timeout)
        app.remove_error_handler(collect)
        if thread.is_alive():
            raise RuntimeError(f"application did not stop within {stop_timeout}s")

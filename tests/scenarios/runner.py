"""Plays a scenario through the real python-telegram-bot Application against the fake Bot API, with the real model
and a real library on disk. A failed expectation raises with the whole conversation, as a user would have seen it.

Registered as a pytest plugin (tests/conftest.py) for its `scenario_bot` fixture.
"""

from __future__ import annotations

import contextlib
import json
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from bot.startup import ALLOWED_UPDATES
from bot.telegram_app import build_application
from retrieval.library import Library
from retrieval.settings import Settings
from tests.bot_harness import bold_texts, bot_settings, buttons, engine_overrides, links
from tests.fake_telegram import MESSAGE_METHODS, FakeTelegram, RunningApplication, chat_key, parse_html, run_application
from tests.news import ARTICLES, CHANNEL_TITLES, published
from bench.web import LocalSite
from tests.scenarios.script import (
    PRIVATE,
    ChannelPost,
    Edit,
    Expect,
    ExpectInline,
    Forward,
    ForwardFrom,
    Inline,
    Press,
    Restart,
    Say,
    Scenario,
    Step,
    Upload,
    Wait,
)

USERS = {"ani": 1001, "budi": 1002, "citra": 1003, "dewi": 1004}
GROUP_IDS = {"group": -2001, "group2": -2002}
FORWARD_JOIN_SECONDS = 0.6
REPLY_TIMEOUT = 60.0
QUIET_SECONDS = 0.3
SILENCE_SECONDS = 1.2


@dataclass
class Message:
    """A bot message (or edit, or button toast) as a reader sees it: text, bold stretches, links, buttons."""

    text: str
    bold: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    buttons: list[str] = field(default_factory=list)

    def shown(self) -> str:
        """The message as the transcript prints it."""
        text = self.text
        for stretch in dict.fromkeys(self.bold):
            text = text.replace(stretch, f"**{stretch}**", 1)
        extras = [f"  (buttons: {' | '.join(self.buttons)})"] if self.buttons else []
        return "\n".join([text, *extras])


@dataclass
class ScenarioBot:
    """The fake Telegram server and a data folder for one scenario."""

    tg: FakeTelegram
    data_dir: Path
    embedder: Any


@pytest.fixture
def scenario_bot(tg: FakeTelegram, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embedder) -> ScenarioBot:
    """A fresh fake Telegram and data folder; the real model (passage vectors remembered across the session)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return ScenarioBot(tg, tmp_path / "data", embedder)


def play(scenario: Scenario, bot: ScenarioBot) -> None:
    """Run every step; raise AssertionError with the conversation when the bot does what the scenario forbids."""
    player = _Player(scenario, bot)
    try:
        with player.running():
            for step in scenario.steps:
                player.do(step)
            player.check_errors()
    except (AssertionError, TimeoutError) as failure:
        raise AssertionError(player.report(str(failure))) from None


class _Player:
    """The state of one scenario being played: the library, the running bot, what was said and what was checked."""

    def __init__(self, scenario: Scenario, bot: ScenarioBot) -> None:
        self.scenario, self.tg = scenario, bot.tg
        self.bot = bot
        self.library: Library | None = None
        self.app: RunningApplication | None = None
        self.transcript: list[str] = []
        self.marks: dict[int, int] = {}
        self.toast_mark = 0
        self.pressed_in: int | None = None
        self.inline_query: str | None = None
        self.site = ""
        self.stack = contextlib.ExitStack()

    @contextlib.contextmanager
    def running(self) -> Iterator[None]:
        """Open the library with the given articles and start the bot; stop both at the end."""
        site = LocalSite(routes=self.scenario.pages) if self.scenario.pages else None
        self.site = site.url() if site else ""
        try:
            self._open()
            for name in self.scenario.given:
                self.library.add_article(ARTICLES[name], f"given:{name}")
            self._start()
            yield
        finally:
            self.stack.close()
            if site is not None:
                site.close()

    def _open(self) -> None:
        """Open the library from the data folder."""
        overrides = dict(self.scenario.settings)
        settings = Settings(data_dir=self.bot.data_dir, _env_file=None)
        self.library = Library(engine_overrides(settings, overrides), self.bot.embedder)
        self.stack.callback(self.library.close)

    def _start(self) -> None:
        """Start the real Application on the library."""
        overrides = {k: v for k, v in self.scenario.settings.items() if k not in Settings.model_fields}
        application = build_application(bot_settings(self.tg, **overrides), self.library,
                                        forward_join_seconds=FORWARD_JOIN_SECONDS)
        self.app = self.stack.enter_context(run_application(application, allowed_updates=ALLOWED_UPDATES))

    def do(self, step: Step) -> None:
        """Perform one step."""
        handlers = {Say: self._say, Edit: self._edit, Forward: self._forward, ForwardFrom: self._forward_from,
                    ChannelPost: self._channel_post, Upload: self._upload, Press: self._press,
                    Restart: self._restart, Wait: lambda s: time.sleep(s.seconds), Inline: self._inline,
                    Expect: self._expect, ExpectInline: self._expect_inline}
        if isinstance(step, Say) and self.site:
            step = replace(step, text=step.text.replace("{site}", self.site))
        handlers[type(step)](step)

    def _chat(self, chat: str, user: str) -> tuple[int, str]:
        """The chat id and type for a chat name ("private" is the acting user's private chat)."""
        if chat == PRIVATE:
            return USERS[user], "private"
        if chat in USERS:
            return USERS[chat], "private"
        return GROUP_IDS[chat], "group"

    def _said(self, who: str, chat: str, what: str) -> None:
        """Add a user action to the transcript."""
        self.transcript.append(f"{who} [{chat}]: {what}")

    def _say(self, step: Say) -> None:
        chat_id, kind = self._chat(step.chat, step.user)
        common = {"user_id": USERS[step.user], "language_code": step.lang, "reply_to_bot": step.reply_to_answer}
        if kind == "group":
            if step.text.startswith("/"):
                self.tg.group_command(chat_id, step.text, **common)
            else:
                self.tg.group_message(chat_id, step.text, mention=step.mention, **common)
        elif step.text.startswith("/"):
            self.tg.command(chat_id, step.text, **common)
        else:
            self.tg.text_message(chat_id, step.text, **common)
        replied = step.reply_to_answer
        note = f" (replying to the bot's message with {replied!r})" if isinstance(replied, str) else (
            " (replying to the bot)" if replied else "")
        self._said(step.user, step.chat, step.text + note)

    def _edit(self, step: Edit) -> None:
        chat_id, _ = self._chat(step.chat, step.user)
        self.tg.edit_user_message(chat_id, step.text, user_id=USERS[step.user])
        self._said(step.user, step.chat, f"(edits their message to) {step.text}")

    def _forward(self, step: Forward) -> None:
        chat_id, kind = self._chat(step.chat, step.user)
        title = step.title or CHANNEL_TITLES.get(step.channel, step.channel)
        origin = {"type": "channel", "message_id": step.post, "date": _epoch(step.date),
                  "chat": {"id": _channel_id(step.channel), "type": "channel", "title": title,
                           "username": step.channel}}
        self.tg.text_message(chat_id, step.text, user_id=USERS[step.user], chat_type=kind, language_code=step.lang,
                             forward_origin=origin, photo=step.photo, media_group_id=step.album)
        self._said(step.user, step.chat, f"(forwards t.me/{step.channel}/{step.post} of {step.date}) "
                                         f"{_first_line(step.text)}")

    def _forward_from(self, step: ForwardFrom) -> None:
        chat_id, kind = self._chat(step.chat, step.user)
        person = {"id": 5000 + zlib.crc32(step.person.encode()) % 1000, "is_bot": False, "first_name": step.person}
        origin = {"type": "user", "sender_user": person, "date": _epoch(step.date)}
        self.tg.text_message(chat_id, step.text, user_id=USERS[step.user], chat_type=kind, language_code=step.lang,
                             forward_origin=origin)
        self._said(step.user, step.chat, f"(forwards a message from {step.person}) {step.text}")

    def _channel_post(self, step: ChannelPost) -> None:
        self.tg.channel_post(_channel_id(step.channel), step.text, username=step.channel, message_id=step.post,
                             channel_title=CHANNEL_TITLES.get(step.channel, step.channel),
                             date=_epoch(step.date) if step.date else None, edited=step.edited, photo=step.photo,
                             media_group_id=step.album)
        self._said(f"@{step.channel}", "channel", ("(edits) " if step.edited else "") + _first_line(step.text))
        self._wait_stored(step.text)

    def _wait_stored(self, text: str, timeout: float = 8.0) -> None:
        """Give a channel post (which gets no reply) time to be stored: until an article holds its whole text (an
        edit may change any word of it)."""
        self.tg.wait_consumed()
        wanted = " ".join(text.split())
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            stored = [self.library.get(info.id) for info in self.library.list(limit=200)]
            if wanted and any(article and wanted in " ".join(article.text.split()) for article in stored):
                return
            time.sleep(0.05)

    def _upload(self, step: Upload) -> None:
        chat_id, kind = self._chat(step.chat, step.user)
        self.tg.document_message(chat_id, step.file_name, step.data, step.mime, caption=step.caption,
                                 user_id=USERS[step.user], chat_type=kind, language_code=step.lang)
        self._said(step.user, step.chat, f"(uploads {step.file_name}, {len(step.data)} bytes)")

    def _press(self, step: Press) -> None:
        chat_id, kind = self._chat(step.chat, step.user)
        for message in reversed(self.tg.bot_messages(chat_id)):
            for button in buttons(message):
                if step.label.lower() in button.get("text", "").lower() and "callback_data" in button:
                    self.tg.callback_query(chat_id, message["message_id"], button["callback_data"],
                                           user_id=USERS[step.user], chat_type=kind)
                    self.pressed_in = chat_id
                    self._said(step.user, step.chat, f"(presses [{button['text']}])")
                    return
        raise AssertionError(f"no button labelled {step.label!r} in {step.chat}")

    def _restart(self, _: Restart) -> None:
        self.stack.close()
        self.stack = contextlib.ExitStack()
        self._open()
        self._start()
        self.transcript.append("(the bot restarts)")

    def _inline(self, step: Inline) -> None:
        self.inline_query = self.tg.inline_query(USERS[step.user], step.query, language_code=step.lang)
        self._said(step.user, "inline", f"@bot {step.query}")

    def _expect(self, step: Expect) -> None:
        chat_id, _ = self._chat(step.chat, "ani")
        messages = self._new_messages(chat_id, step.replies, step.has)
        self.check_errors()
        if step.replies == 0:
            assert not messages, f"the bot should have stayed silent in {step.chat}"
        elif len(messages) < step.replies:
            raise AssertionError(f"expected {step.replies} replies in {step.chat}, got {len(messages)}")
        _check(step, messages)

    def _new_messages(self, chat_id: int, replies: int, wanted: tuple[str, ...] = ()) -> list[Message]:
        """The chat's bot messages since the last Expect there: waited for (and, a while longer, for the wanted
        words: several confirmations may trickle in), then given a moment for any more."""
        mark = self.marks.get(chat_id, 0)
        if replies:
            self._await_replies(chat_id, mark, replies)
            self._await_words(chat_id, mark, wanted)
        else:
            self.tg.wait_consumed()
            time.sleep(SILENCE_SECONDS)
        self._quiet(chat_id)
        calls = self._message_calls(chat_id)
        self.marks[chat_id] = len(calls)
        messages = [_message(c["params"]) for c in calls[mark:]]
        messages += self._toasts(chat_id)
        self.transcript += [f"bot [{_chat_name(chat_id)}]: {m.shown()}" for m in messages]
        return messages

    def _message_calls(self, chat_id: int) -> list[dict[str, Any]]:
        """The bot's sendMessage and editMessageText calls in a chat, in order."""
        return [c for c in self.tg.sent(chat_id) if c["method"].lower() in MESSAGE_METHODS]

    def _await_replies(self, chat_id: int, mark: int, replies: int) -> None:
        """Wait until the chat has `replies` new messages, a button's toast counting as one, or the time is up."""
        deadline = time.monotonic() + REPLY_TIMEOUT
        while time.monotonic() < deadline:
            toasts = len(self._toast_calls()) - self.toast_mark if self.pressed_in == chat_id else 0
            if len(self._message_calls(chat_id)) - mark + toasts >= replies:
                return
            time.sleep(0.05)

    def _toast_calls(self) -> list[dict[str, Any]]:
        """The button answers with a text (toasts) so far."""
        return [c for c in self.tg.calls("answerCallbackQuery") if c["params"].get("text")]

    def _await_words(self, chat_id: int, mark: int, wanted: tuple[str, ...], timeout: float = 20.0) -> None:
        """Wait until every wanted word is in the chat's messages since `mark`, or the time is up."""
        deadline = time.monotonic() + timeout
        while wanted and time.monotonic() < deadline:
            shown = [_message(c["params"]) for c in self._message_calls(chat_id)[mark:]]
            toasts = self._toast_calls()[self.toast_mark:] if self.pressed_in == chat_id else []
            text = " ".join([*(" ".join([m.text, *m.links]) for m in shown),
                             *(c["params"]["text"] for c in toasts)]).lower()
            if all(word.lower() in text for word in wanted):
                return
            time.sleep(0.1)

    def _quiet(self, chat_id: int) -> None:
        """Wait until the chat has had no new bot message for a moment (a long answer may come in parts)."""
        count, deadline = -1, time.monotonic() + 5
        while time.monotonic() < deadline:
            now = len(self.tg.sent(chat_id))
            if now == count:
                return
            count = now
            time.sleep(QUIET_SECONDS)

    def _toasts(self, chat_id: int) -> list[Message]:
        """Button answers (toasts) shown since the last check, if the last button was pressed in this chat."""
        toasts = self._toast_calls()
        fresh, self.toast_mark = toasts[self.toast_mark:], len(toasts)
        if self.pressed_in != chat_id:
            return []
        return [Message(f"(toast) {c['params']['text']}") for c in fresh]

    def _expect_inline(self, step: ExpectInline) -> None:
        assert self.inline_query is not None, "ExpectInline needs an Inline step first"
        results = self.tg.inline_answer(self.inline_query, timeout=REPLY_TIMEOUT)
        shown = [" — ".join(filter(None, (r.get("title"), r.get("description"),
                                         (r.get("input_message_content") or {}).get("message_text"))))
                 for r in results]
        self.transcript += [f"bot [inline]: {line}" for line in shown] or ["bot [inline]: (no results)"]
        self.check_errors()
        if step.results is not None:
            assert len(results) == step.results, f"expected {step.results} inline results, got {len(results)}"
        _check_text(" ".join(shown), step.has, step.lacks)

    def check_errors(self) -> None:
        """A handler that raised is a failure, even when the user got a reply."""
        if self.app is not None and self.app.errors:
            raise AssertionError(f"a handler raised: {self.app.errors[0]!r}")

    def report(self, problem: str) -> str:
        """The failure as a reader sees it: the story, the conversation, and what went wrong."""
        lines = "\n".join(f"  {line}" for line in self.transcript)
        return f"Scenario: {self.scenario.story}\nConversation:\n{lines}\nProblem: {problem}"


def _check(step: Expect, messages: list[Message]) -> None:
    """Compare the chat's new messages with what the scenario expects."""
    text = " \n".join(" ".join([m.text, *m.links]) for m in messages)
    _check_text(text, step.has, step.lacks)
    if step.any_of:
        assert any(option.lower() in text.lower() for option in step.any_of), f"none of {step.any_of} is there"
    bold = [stretch.lower() for m in messages for stretch in m.bold]
    for wanted in step.bold:
        assert any(wanted.lower() in stretch for stretch in bold), f"{wanted!r} is not in bold text {bold}"
    targets = [link for m in messages for link in m.links]
    for wanted in step.links:
        assert any(wanted in link for link in targets), f"no link to {wanted!r} among {targets}"
    labels = [label.lower() for m in messages for label in m.buttons]
    for wanted in step.buttons:
        assert any(wanted.lower() in label for label in labels), f"no button {wanted!r} among {labels}"
    for unwanted in step.no_buttons:
        assert not any(unwanted.lower() in label for label in labels), f"unexpected button {unwanted!r}"
    if step.max_chars is not None:
        longest = max((len(m.text) for m in messages), default=0)
        assert longest <= step.max_chars, f"a reply of {longest} characters (at most {step.max_chars} expected)"


def _check_text(text: str, has: tuple[str, ...], lacks: tuple[str, ...]) -> None:
    """Case-insensitive presence and absence of substrings."""
    folded = text.lower()
    for wanted in has:
        assert wanted.lower() in folded, f"{wanted!r} is missing"
    for unwanted in lacks:
        assert unwanted.lower() not in folded, f"{unwanted!r} should not be there"


def _message(params: dict[str, Any]) -> Message:
    """A sent or edited message's text, bold stretches, links and buttons."""
    raw = params.get("text", "")
    if params.get("parse_mode") == "HTML":
        text, entities = parse_html(raw)
    else:
        entities = params.get("entities") or []
        text, entities = raw, json.loads(entities) if isinstance(entities, str) else entities
    markup = params.get("reply_markup")
    delivered = {"text": text, "entities": entities,
                 "reply_markup": json.loads(markup) if isinstance(markup, str) else markup}
    return Message(text, bold_texts(delivered), links(delivered), [b.get("text", "") for b in buttons(delivered)])


def _epoch(value: str) -> int:
    """A "YYYY-MM-DD HH:MM" UTC date as Unix time."""
    return int(published(value).timestamp())


def _channel_id(username: str) -> int:
    """A stable channel id for a channel username."""
    return -1001000000000 - zlib.crc32(username.encode()) % 10**9


def _chat_name(chat_id: int) -> str:
    """The scenario's name for a chat."""
    names = {**{v: k for k, v in USERS.items()}, **{v: k for k, v in GROUP_IDS.items()}}
    return names.get(chat_key(chat_id), str(chat_id))


def _first_line(text: str) -> str:
    """The first line of a post, for the transcript."""
    return text.strip().split("\n", 1)[0][:100]

"""The bot's test harness: a real Application against the fake Bot API on 127.0.0.1, over a SQLite library with the
real model. Registered as a pytest plugin in tests/conftest.py; tests import its helpers (exchange, delivered, …).

Its libraries are `bot_library` and `bot_sample_library` (SQLite only: these tests exercise Telegram, and the
database backends are covered elsewhere), so conftest's `settings` and `library` stay as they are for other tests.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot import telegram_app
from bot.retry import RetryingRateLimiter
from bot.settings import BotSettings
from bot.telegram_app import build_application
from retrieval.library import Library
from retrieval.settings import Settings
from tests.conftest import sample_draft
from tests.corpus import RICE_TODAY, SOLAR_2023, SOLAR_2024
from tests.fake_telegram import FakeTelegram, RunningApplication, run_application
from bench.web import LocalSite, page

Record = dict[str, Any]
StartBot = Callable[..., contextlib.AbstractContextManager[RunningApplication]]
# The fake Bot API answers again at once after a 5xx, so the bot's retries need not wait the half second, second,
# two seconds that give the real Telegram time to recover; they still happen, in the same order.
RETRY_BACKOFF_SECONDS = 0.02


@pytest.fixture
def bot_library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embedder) -> Iterator[Library]:
    """An empty SQLite library in a temporary folder with the real model (passage vectors remembered)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with Library(Settings(data_dir=tmp_path / "data", _env_file=None), embedder) as opened:
        yield opened


@pytest.fixture
def bot_sample_library(bot_library: Library) -> Library:
    """`bot_library` holding the user's Putin/Pyongyang article (#1)."""
    bot_library.add_article(sample_draft(), "sample")
    return bot_library


@pytest.fixture
def tg() -> Iterator[FakeTelegram]:
    """A fake Telegram Bot API server on 127.0.0.1."""
    with FakeTelegram() as fake:
        yield fake


def bot_settings(tg: FakeTelegram, **overrides: Any) -> BotSettings:
    """Bot settings pointing at the fake server, with the given overrides."""
    values = {"telegram_bot_token": tg.token, "telegram_base_url": tg.base_url,
              "telegram_base_file_url": tg.base_file_url, **overrides}
    return BotSettings(_env_file=None, **values)


def engine_overrides(settings: Settings, overrides: dict[str, Any]) -> Settings:
    """The engine settings with links on 127.0.0.1 allowed and the overrides meant for the engine; those are
    taken out of `overrides`, which keeps the bot's."""
    engine = {name: overrides.pop(name) for name in list(overrides) if name in Settings.model_fields}
    return settings.model_copy(update={"fetch_allow_private": True, **engine})


@pytest.fixture
def start_bot(tg: FakeTelegram, monkeypatch: pytest.MonkeyPatch) -> StartBot:
    """Start the real bot over a library with the given settings overrides (engine or bot settings; `join` is the
    forward-joining delay), retrying failed Bot API calls after RETRY_BACKOFF_SECONDS."""
    monkeypatch.setattr(telegram_app, "RetryingRateLimiter",
                        functools.partial(RetryingRateLimiter, backoff=RETRY_BACKOFF_SECONDS))

    @contextlib.contextmanager
    def start(library: Library, **overrides: Any) -> Iterator[RunningApplication]:
        join = overrides.pop("join", 0.6)
        library.settings = engine_overrides(library.settings, overrides)
        application = build_application(bot_settings(tg, **overrides), library, forward_join_seconds=join)
        with run_application(application) as running:
            yield running
    return start


def exchange(tg: FakeTelegram, chat_id: int, send: Callable[[], object], *, parts: int = 1,
             timeout: float = 60) -> list[Record]:
    """Push one user action and return the bot's new sent or edited messages in that chat (at least `parts`)."""
    before = len(tg.texts(chat_id))
    send()
    return tg.wait_for_messages(chat_id, before + parts, timeout=timeout)[before:]


def wait_until(check: Callable[[], bool], timeout: float = 30) -> None:
    """Wait for the bot's background work to reach a state (channel posts get no reply to wait for)."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def delivered(tg: FakeTelegram, chat_id: int) -> list[dict[str, Any]]:
    """The bot's messages in a chat as Telegram stored them (plain text plus entities)."""
    return tg.bot_messages(chat_id)


def bold_texts(message: dict[str, Any]) -> list[str]:
    """The bold stretches of a delivered message."""
    return [_entity_text(message["text"], e) for e in message.get("entities", []) if e["type"] == "bold"]


def links(message: dict[str, Any]) -> list[str]:
    """The URLs of a delivered message's text links."""
    return [e["url"] for e in message.get("entities", []) if e["type"] == "text_link"]


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The inline buttons under a delivered message, row by row."""
    return [button for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for button in row]


def _entity_text(value: str, entity: dict[str, Any]) -> str:
    """The text an entity covers (offsets are in UTF-16 units)."""
    encoded = value.encode("utf-16-le")
    return encoded[entity["offset"] * 2 : (entity["offset"] + entity["length"]) * 2].decode("utf-16-le")


@contextlib.contextmanager
def web_pages(pages: dict[str, tuple[str, bytes]]) -> Iterator[str]:
    """Serve {path: (content type, body)} on 127.0.0.1; yields the base URL."""
    with LocalSite(routes={path: page(kind, body) for path, (kind, body) in pages.items()}) as site:
        yield site.url()


@pytest.fixture
def bot_news(bot_library: Library) -> Library:
    """`bot_library` holding dated news: the solar farm in 2023 and in 2024, and a rice post from today."""
    for draft in (SOLAR_2023, SOLAR_2024, RICE_TODAY):
        bot_library.add_article(draft)
    return bot_library

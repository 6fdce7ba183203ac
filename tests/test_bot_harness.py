"""Shared harness for the bot's end-to-end tests (a real Application against the fake Bot API), and its own checks."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import pytest

from bot.telegram_app import build_application, post_init
from retrieval.library import Library
from bot.settings import BotSettings
from retrieval.settings import Settings
from tests.fake_telegram import FakeTelegram, RunningApplication, run_application
from tests.web import LocalSite, page

Record = dict[str, Any]
StartBot = Callable[..., contextlib.AbstractContextManager[RunningApplication]]


@pytest.fixture
def settings(tmp_path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """SQLite only: these tests exercise Telegram, and the database backends are covered elsewhere."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return Settings(data_dir=tmp_path / "data", _env_file=None)


class RememberingEmbedder:
    """The session's real model, remembering passage vectors so that articles and sentences repeated across
    tests are embedded once (questions are still embedded, and the model itself cached them already)."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.name, self.dim = inner.name, inner.dim
        self._known: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for passages, computed by the real model the first time."""
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._known]
        if missing:
            fresh = self.inner.passages(missing)
            with self._lock:
                self._known.update(zip(missing, fresh))
        if not texts:
            return self.inner.passages(texts)
        with self._lock:
            return np.stack([self._known[t] for t in texts]).astype(np.float32)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


_REMEMBERING: dict[int, RememberingEmbedder] = {}


@pytest.fixture
def library(settings: Settings, embedder):
    """An empty SQLite library with the real model (passage vectors remembered across tests)."""
    wrapper = _REMEMBERING.setdefault(id(embedder), RememberingEmbedder(embedder))
    with Library(settings, wrapper) as opened:
        yield opened


@pytest.fixture
def tg() -> Iterator[FakeTelegram]:
    """A fake Telegram Bot API server on 127.0.0.1."""
    with FakeTelegram() as fake:
        yield fake


def bot_settings(settings: Settings, tg: FakeTelegram, **overrides: Any) -> BotSettings:
    """Test settings pointing the bot at the fake server, with links on 127.0.0.1 allowed."""
    values = {"telegram_bot_token": tg.token, "telegram_base_url": tg.base_url,
              "telegram_base_file_url": tg.base_file_url, **overrides}
    return BotSettings(_env_file=None, **values)


def engine_overrides(settings: Settings, overrides: dict[str, Any]) -> Settings:
    """The engine settings with links on 127.0.0.1 allowed and the overrides meant for the engine; those are
    taken out of `overrides`, which keeps the bot's."""
    engine = {name: overrides.pop(name) for name in list(overrides) if name in Settings.model_fields}
    return settings.model_copy(update={"fetch_allow_private": True, **engine})


@pytest.fixture
def start_bot(settings: Settings, tg: FakeTelegram) -> StartBot:
    """Start the real bot over a library with the given settings overrides."""
    @contextlib.contextmanager
    def start(library, **overrides: Any) -> Iterator[RunningApplication]:
        join = overrides.pop("join", 0.6)
        library.settings = engine_overrides(library.settings, overrides)
        application = build_application(bot_settings(library.settings, tg, **overrides), library,
                                        forward_join_seconds=join)
        with run_application(application) as running:
            yield running
    return start


def exchange(tg: FakeTelegram, chat_id: int, send: Callable[[], object], *, parts: int = 1,
             timeout: float = 60) -> list[Record]:
    """Push one user action and return the bot's new sent or edited messages in that chat (at least `parts`)."""
    before = len(tg.texts(chat_id))
    send()
    return tg.wait_for_messages(chat_id, before + parts, timeout=timeout)[before:]


def delivered(tg: FakeTelegram, chat_id: int) -> list[dict[str, Any]]:
    """The bot's messages in a chat as Telegram stored them (plain text plus entities)."""
    return tg.bot_messages(chat_id)


def bold_texts(message: dict[str, Any]) -> list[str]:
    """The bold stretches of a delivered message."""
    return [_entity_text(message["text"], e) for e in message.get("entities", []) if e["type"] == "bold"]


def links(message: dict[str, Any]) -> list[str]:
    """The URLs of a delivered message's text links."""
    return [e["url"] for e in message.get("entities", []) if e["type"] == "text_link"]


def _entity_text(value: str, entity: dict[str, Any]) -> str:
    """The text an entity covers (offsets are in UTF-16 units)."""
    encoded = value.encode("utf-16-le")
    return encoded[entity["offset"] * 2 : (entity["offset"] + entity["length"]) * 2].decode("utf-16-le")


@contextlib.contextmanager
def web_pages(pages: dict[str, tuple[str, bytes]]) -> Iterator[str]:
    """Serve {path: (content type, body)} on 127.0.0.1; yields the base URL."""
    with LocalSite(routes={path: page(kind, body) for path, (kind, body) in pages.items()}) as site:
        yield site.url()


def test_command_menu_is_registered_in_english_and_indonesian_at_start(tg, start_bot, library) -> None:
    with start_bot(library) as running:
        assert running.app.post_init is post_init
        running.run(post_init(running.app))
        english = tg.commands()
        indonesian = tg.commands(language_code="id")
    assert {"start", "help", "ask", "add", "sources", "article", "delete", "stats", "reset", "lang"} <= {
        c["command"] for c in english}
    assert next(c for c in indonesian if c["command"] == "reset")["description"] == "Lupakan percakapan ini"


def test_start_greets_in_indonesian_for_id_users_and_in_english_otherwise(tg, start_bot, library) -> None:
    with start_bot(library):
        indonesian = exchange(tg, 11, lambda: tg.command(11, "/start", language_code="id"))
        english = exchange(tg, 12, lambda: tg.command(12, "/start", language_code="en-US"))
    assert indonesian[0]["params"]["text"].startswith("Halo!")
    assert english[0]["params"]["text"].startswith("Hello!")

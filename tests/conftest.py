"""Shared fixtures: one real embedding model per test session (passage vectors remembered), fresh libraries per
test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retrieval.ingest.documents import ArticleDraft
from retrieval.settings import Settings
from tests.pg import fresh_database

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "samples" / "putin-pyongyang.json"
SHARED_EVAL = ROOT.parent / "shared" / "eval"
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
pytest_plugins = [
    "tests.bot_harness",  # the bot's fixtures: tg, bot_library, bot_sample_library, start_bot
    "tests.web_fixtures",  # site (a local web server) and fake_dns
    "tests.scenarios.runner",  # scenario_bot: conversations played through the real bot
]


@pytest.fixture(scope="session")
def embedder(tmp_path_factory: pytest.TempPathFactory):
    """The real bundled multilingual-e5-small, loaded once for the whole session; each passage is embedded once,
    however many tests and backends store it (the embedder's own vector cache, in a session folder)."""
    from retrieval.embedding.embedder import Embedder

    return Embedder(cache_dir=Settings(_env_file=None).resolved_model_cache,
                    vector_cache=tmp_path_factory.mktemp("vectors") / "passages.sqlite")


@pytest.fixture(scope="session")
def hash_embedder():
    """A fast word-hashing stand-in, for tests whose behaviour does not depend on the model."""
    from retrieval.embedding.hashing import HashEmbedder

    return HashEmbedder()


@pytest.fixture(params=BACKENDS)
def settings(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings with a fresh data directory and database (SQLite; PostgreSQL when configured), ignoring `.env`."""
    monkeypatch.chdir(tmp_path)
    url = fresh_database(request) if request.param == "postgres" else None
    if url:
        monkeypatch.setenv("DATABASE_URL", url)
    else:
        monkeypatch.delenv("DATABASE_URL", raising=False)
    return Settings(data_dir=tmp_path / "data", database_url=url, _env_file=None)


@pytest.fixture
def library(settings: Settings, embedder):
    """An empty library on SQLite in a temporary folder, with the real model."""
    from retrieval.library import Library

    lib = Library(settings, embedder)
    yield lib
    lib.close()


@pytest.fixture
def hash_library(settings: Settings, hash_embedder):
    """An empty library like `library`, with the fast hash embedder: for storage, plumbing and hostile input, whose
    behaviour does not depend on the model."""
    from retrieval.library import Library

    with Library(settings, hash_embedder) as lib:
        yield lib


def second_process_library(settings: Settings, embedder, data_dir: Path):
    """A library with its own data and index folder on the same database, as a second process would open it."""
    from retrieval.library import Library

    return Library(settings.model_copy(update={"data_dir": data_dir, "database_url": settings.resolved_database_url}),
                   embedder)


def sample_draft() -> ArticleDraft:
    """The user's article (Tribunnews.com) as a draft."""
    record = json.loads(SAMPLE.read_text(encoding="utf-8"))
    return ArticleDraft(text=record["text"], title=record["title"], source=record["source"])


@pytest.fixture
def sample_library(library):
    """A library holding the user's Putin/Pyongyang article."""
    library.add_article(sample_draft(), "sample")
    return library

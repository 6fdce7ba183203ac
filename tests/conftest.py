"""Shared fixtures: one real embedding model per test session, fresh libraries per test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retrieval.documents import ArticleDraft
from retrieval.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "samples" / "putin-pyongyang.json"
SHARED_EVAL = ROOT.parent / "shared" / "eval"


@pytest.fixture(scope="session")
def embedder():
    """The real bundled multilingual-e5-small, loaded once for the whole session."""
    from retrieval.embedding import Embedder

    return Embedder(cache_dir=Settings().resolved_model_cache)


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings pointing at a fresh data directory, ignoring any developer `.env`."""
    monkeypatch.chdir(tmp_path)
    return Settings(data_dir=tmp_path / "data", _env_file=None)


@pytest.fixture
def library(settings: Settings, embedder):
    """An empty library on SQLite in a temporary folder, with the real model."""
    from retrieval.library import Library

    lib = Library(settings, embedder)
    yield lib
    lib.close()


def sample_draft() -> ArticleDraft:
    """The user's article (Tribunnews.com) as a draft."""
    record = json.loads(SAMPLE.read_text(encoding="utf-8"))
    return ArticleDraft(text=record["text"], title=record["title"], source=record["source"])


@pytest.fixture
def sample_library(library):
    """A library holding the user's Putin/Pyongyang article."""
    library.add_article(sample_draft(), "sample")
    return library

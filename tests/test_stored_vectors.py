"""Stored embeddings carry a checksum: a vector damaged in the database is re-embedded from its text, never searched."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text

from tests.conftest import sample_draft, second_process_library
from crash_driver import make_articles
from retrieval.ingest.documents import ArticleDraft
from retrieval.library import Library
from storage.checksums import embedding_checksum
from storage.database import MIGRATIONS, make_engine, migrate
from storage.repository import Repository

PUTIN = "siapa yang mendampingi Putin?"


def stored_blob(library: Library, chunk_id: int) -> bytes:
    with library.engine.connect() as connection:
        return connection.execute(text("SELECT embedding FROM chunks WHERE id = :id"), {"id": chunk_id}).scalar_one()


def flip_64_bytes(library: Library, chunk_id: int) -> bytes:
    """Invert 64 bytes in the middle of a chunk's stored embedding, as a bad disk would; returns the original."""
    original = stored_blob(library, chunk_id)
    damaged = bytearray(original)
    for position in range(600, 664):
        damaged[position] ^= 0xFF
    with library.engine.begin() as connection:
        connection.execute(text("UPDATE chunks SET embedding = :blob WHERE id = :id"),
                           {"blob": bytes(damaged), "id": chunk_id})
    return original


def fill(library: Library) -> int:
    """The user's article and a few others; returns the chunk that answers PUTIN."""
    library.add_article(sample_draft(), "sample")
    list(library.add_articles([(a.item, ArticleDraft(text=a.text, title=a.title)) for a in make_articles(6, seed=5)]))
    return library.ask(PUTIN, highlight=False).passages[0].chunk_ids[0]


def assert_repaired(library: Library, chunk_id: int, original: bytes) -> None:
    """The chunk answers its question at rank 1 again and its stored vector is whole, with a matching checksum."""
    assert library.ask(PUTIN, highlight=False).passages[0].chunk_ids[0] == chunk_id
    fixed = stored_blob(library, chunk_id)
    assert np.allclose(np.frombuffer(fixed, np.float32), np.frombuffer(original, np.float32), atol=1e-4)
    assert all(row.intact for rows in library.repo.iter_embeddings([chunk_id]) for row in rows)


def test_a_damaged_stored_vector_is_re_embedded_when_the_index_is_rebuilt_at_start(settings, embedder, caplog):
    with Library(settings, embedder) as library:
        chunk_id = fill(library)
        original = flip_64_bytes(library, chunk_id)
    shutil.rmtree(settings.data_dir / "index")
    with caplog.at_level("WARNING"), Library(settings, embedder) as reopened:
        assert f"1 stored vectors failed their checksum (chunks {chunk_id})" in caplog.text
        assert_repaired(reopened, chunk_id, original)


def test_a_damaged_stored_vector_is_re_embedded_by_a_process_following_the_change_feed(settings, embedder, tmp_path):
    follower = second_process_library(settings, embedder, tmp_path / "follower")
    with Library(settings, embedder) as leader:
        chunk_id = fill(leader)
        original = flip_64_bytes(leader, chunk_id)
    follower.sync()
    assert_repaired(follower, chunk_id, original)
    follower.close()


def test_reindex_re_embeds_a_damaged_stored_vector(settings, embedder):
    with Library(settings, embedder) as library:
        chunk_id = fill(library)
        original = flip_64_bytes(library, chunk_id)
        library.reindex()
        assert_repaired(library, chunk_id, original)


def test_the_migration_gives_every_existing_embedding_its_checksum(tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0004")
    vectors = {n: np.full(4, n, np.float32).tobytes() for n in (1, 2, 3)}
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO articles (id, title, text, content_hash, ingested_at) "
                                "VALUES (1, 't', 'x', 'h', '2024-01-01')"))
        for n, blob in vectors.items():
            connection.execute(text("INSERT INTO chunks (id, article_id, ordinal, text, char_start, char_end, embedding, "
                                    "embedding_model) VALUES (:n, 1, :n, 'x', 0, 1, :blob, 'm')"), {"n": n, "blob": blob})
        connection.execute(text("INSERT INTO chunks (id, article_id, ordinal, text, char_start, char_end) "
                                "VALUES (4, 1, 4, 'x', 0, 1)"))
    migrate(engine)
    with engine.connect() as connection:
        checksums = dict(connection.execute(text("SELECT id, embedding_checksum FROM chunks")).all())
    assert checksums == {1: embedding_checksum(vectors[1]), 2: embedding_checksum(vectors[2]),
                         3: embedding_checksum(vectors[3]), 4: None}
    rows = [row for batch in Repository(engine).iter_embeddings() for row in batch]
    assert [row.intact for row in rows] == [True, True, True, True]
    engine.dispose()


@pytest.mark.parametrize("settings", ["sqlite"], indirect=True)
def test_a_vector_whose_checksum_fails_is_never_searched_even_without_a_model_to_re_embed(settings, hash_embedder):
    with Library(settings, hash_embedder) as library:
        chunk_id = fill(library)
        flip_64_bytes(library, chunk_id)
        library.indexes.embed = None
        assert chunk_id not in library.indexes.stored_vectors([chunk_id])

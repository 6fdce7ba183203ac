"""Database portability and the change feed: each test runs on SQLite, and on PostgreSQL when one is configured."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from sqlalchemy import select, text

from retrieval.ingest.documents import ArticleDraft
from retrieval.library import Library
from storage.database import integrity_ok, make_engine, migrate
from storage.models import Article, Chunk
from storage.repository import NewChunk, Repository, _hold_feed_lock
from tests.conftest import sample_draft, second_process_library
from tests.pg import fresh_database

BELOUSOV = "Delegasi Rusia yang mendampingi Putin antara lain Menteri Pertahanan Andrei Belousov"
FLOOD = ArticleDraft(title="Hujan deras landa Bandung", source="Contoh.id",
                     text="Hujan deras mengguyur Kota Bandung sejak Senin sore. Banjir setinggi 50 cm merendam 300 "
                          "rumah di Kecamatan Dayeuhkolot. BPBD mengerahkan perahu karet untuk mengevakuasi warga.")


def stored(repo: Repository, number: int, chunks: int = 2) -> tuple[int, list[int]]:
    """Store a small article with `chunks` chunks straight through the repository; returns its ids."""
    article = Article(title=f"Artikel {number}", text=f"teks {number}", content_hash=f"hash-{number}")
    rows = [NewChunk(i, f"bagian {i}", i, i + 1, np.full(4, number + i, np.float32).tobytes()) for i in range(chunks)]
    saved = repo.add_article(article, rows, "test-model")
    assert saved is not None
    return saved[0].id, saved[1]


@pytest.fixture
def repo(settings):
    """A migrated repository on the test's database."""
    engine = make_engine(settings.resolved_database_url)
    migrate(engine)
    yield Repository(engine)
    engine.dispose()


def test_ids_are_never_reused_after_the_newest_rows_are_deleted(repo):
    first, _ = stored(repo, 1)
    second, second_chunks = stored(repo, 2)
    repo.delete_article(second)
    third, third_chunks = stored(repo, 3)
    assert first < second < third and min(third_chunks) > max(second_chunks)
    assert integrity_ok(repo.engine)


def test_vectors_come_back_byte_for_byte(repo):
    _, ids = stored(repo, 7, chunks=3)
    blobs = {row.chunk_id: row.embedding for rows in repo.iter_embeddings(ids) for row in rows}
    assert [np.frombuffer(blobs[i], np.float32)[0] for i in ids] == [7.0, 8.0, 9.0]


def test_streams_read_every_live_chunk_once_in_id_order_across_batches(repo):
    kept = [stored(repo, number, chunks=3) for number in range(5)]
    repo.delete_article(kept.pop(2)[0])
    live = [chunk_id for _, ids in kept for chunk_id in ids]
    streamed = [row[0] for rows in repo.iter_embeddings(batch=4) for row in rows]
    assert streamed == live
    assert [row[0] for rows in repo.iter_chunk_texts(batch=4) for row in rows] == live
    asked = live[::2] + [max(live) + 100]
    assert [row[0] for rows in repo.iter_chunk_texts(asked, batch=3) for row in rows] == sorted(live[::2])
    chunkings = [article for batch in repo.iter_article_chunking(batch=2) for article in batch]
    assert [article.id for article in chunkings] == [article_id for article_id, _ in kept]
    assert all(article.spans == ((0, 1), (1, 2), (2, 3)) for article in chunkings)


def test_aware_datetimes_keep_their_wall_clock_time_on_every_backend(repo):
    jakarta = timezone(timedelta(hours=7))
    article = Article(title="t", text="x", content_hash="h", published_at=datetime(2024, 6, 19, 5, 30, tzinfo=jakarta))
    saved, _ = repo.add_article(article, [], None)
    again = repo.get_article(saved.id)
    assert again.published_at == datetime(2024, 6, 19, 5, 30)
    assert abs(again.ingested_at - datetime.now(timezone.utc).replace(tzinfo=None)) < timedelta(minutes=1)


def test_row_counts_of_deletes_are_reported(repo):
    for question in ("satu", "dua", "tiga"):
        repo.add_turn("chat", question, "", [], keep=10)
    assert repo.clear_turns("chat") == 3 and repo.clear_turns("chat") == 0


def test_the_change_feed_lists_adds_and_deletes_in_order(repo):
    start = repo.change_position()
    article, chunks = stored(repo, 1)
    repo.delete_article(article)
    changes, position = repo.changes_after(start)
    assert changes == [(c, False) for c in chunks] + [(c, True) for c in chunks]
    assert position == repo.change_position() and repo.changes_after(position) == ([], position)


def test_a_feed_reader_misses_nothing_while_writers_commit_concurrently(repo):
    done = threading.Event()
    seen: set[int] = set()

    def follow() -> None:
        position = 0
        while True:
            finished = done.is_set()
            changes, position = repo.changes_after(position, limit=7)
            seen.update(chunk_id for chunk_id, _ in changes)
            if finished and not changes:
                return
            if not changes:
                time.sleep(0.002)

    def write(offset: int) -> None:
        for number in range(offset, offset + 15):
            stored(repo, number, chunks=3)

    reader = threading.Thread(target=follow)
    writers = [threading.Thread(target=write, args=(100 * w,)) for w in range(4)]
    reader.start()
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    done.set()
    reader.join(timeout=60)
    assert seen == set(repo.chunk_ids()) and len(seen) == 4 * 15 * 3


@pytest.mark.parametrize("settings", ["postgres"], indirect=True)
def test_feed_writers_wait_for_an_open_feed_transaction_to_commit(repo):
    holder = repo.session()
    holder.execute(select(Chunk.id).limit(1))
    _hold_feed_lock(holder)
    writer = threading.Thread(target=stored, args=(repo, 1))
    writer.start()
    writer.join(timeout=1.0)
    assert writer.is_alive(), "a second writer got a feed id while the first still held the feed"
    holder.commit()
    holder.close()
    writer.join(timeout=30)
    assert not writer.is_alive() and repo.changes_after(0)[0]


@pytest.mark.parametrize("settings", ["postgres"], indirect=True)
def test_integrity_check_notices_an_id_sequence_behind_its_table(repo):
    stored(repo, 1, chunks=3)
    assert integrity_ok(repo.engine)
    with repo.engine.begin() as connection:
        connection.execute(text("SELECT setval(pg_get_serial_sequence('chunks', 'id'), 1)"))
    assert not integrity_ok(repo.engine)


@pytest.mark.postgres
def test_processes_starting_together_migrate_an_empty_database_once(request):
    url = fresh_database(request, migrated=False)
    engines = [make_engine(url) for _ in range(4)]
    errors: list[str] = []

    def start(engine) -> None:
        try:
            migrate(engine)
        except Exception as error:  # noqa: BLE001 - any failure is what the test looks for
            errors.append(repr(error))

    threads = [threading.Thread(target=start, args=(engine,)) for engine in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with engines[0].connect() as connection:
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    for engine in engines:
        engine.dispose()
    assert not errors and len(versions) == 1


@pytest.fixture
def two_libraries(settings, embedder, tmp_path):
    """Two libraries on one database with index folders of their own, as two processes would have."""
    here = Library(settings, embedder)
    there = second_process_library(settings, embedder, tmp_path / "other")
    yield here, there
    here.close()
    there.close()


def test_sync_brings_in_another_librarys_adds_and_deletes(two_libraries):
    here, there = two_libraries
    added = here.add_article(sample_draft())
    assert there.sync() == added.chunks
    assert BELOUSOV in there.ask("siapa yang mendampingi Putin?", highlight=False).passages[0].text
    assert there.delete(added.article_id)
    assert here.sync() == added.chunks and there.sync() == 0
    assert all(BELOUSOV not in p.text for p in here.ask("siapa yang mendampingi Putin?", highlight=False).passages)
    for library in two_libraries:
        assert len(library.indexes.vectors) == len(library.indexes.lexical) == 0


def test_a_librarys_own_adds_are_not_indexed_twice_by_its_sync(two_libraries):
    here, there = two_libraries
    here.add_article(sample_draft())
    there.add_article(FLOOD)
    assert here.sync() > 0 and here.sync() == 0
    ids = here.indexes.vectors.ids()
    assert len(ids) == len(set(ids.tolist())) and sorted(ids.tolist()) == here.repo.chunk_ids()
    assert sorted(here.indexes.lexical.ids().tolist()) == here.repo.chunk_ids()


def test_sync_if_stale_waits_for_its_interval(two_libraries):
    here, there = two_libraries
    there.sync()
    here.add_article(FLOOD)
    assert there.sync_if_stale(60) == 0
    assert there.sync_if_stale(0) > 0


def test_the_background_sync_follows_another_library_within_seconds(two_libraries):
    here, there = two_libraries
    there.start_sync(0.1)
    added = here.add_article(FLOOD)
    deadline = time.monotonic() + 10
    while len(there.indexes.lexical) < added.chunks and time.monotonic() < deadline:
        time.sleep(0.05)
    there.stop_sync()
    assert sorted(there.indexes.vectors.ids().tolist()) == there.repo.chunk_ids()


def test_processes_sharing_a_data_directory_get_index_folders_of_their_own(tmp_path):
    import subprocess
    import sys

    from retrieval.indexes.store import claim_index_folder, release_index_folder

    base = tmp_path / "data" / "index"
    mine = claim_index_folder(base)
    again = claim_index_folder(base)
    probe = ("import sys; from pathlib import Path; from retrieval.indexes.store import claim_index_folder; "
             "print(claim_index_folder(Path(sys.argv[1])).name)")
    other = subprocess.run([sys.executable, "-c", probe, str(base)], capture_output=True, text=True, check=True)
    release_index_folder(again)
    release_index_folder(mine)
    after = subprocess.run([sys.executable, "-c", probe, str(base)], capture_output=True, text=True, check=True)
    assert mine == again == base and other.stdout.strip() == "index-1" and after.stdout.strip() == "index"


def test_pruning_the_feed_keeps_its_newest_row_so_the_position_never_goes_back(repo):
    for number in range(3):
        stored(repo, number)
    head = repo.change_position()
    assert repo.prune_changes(datetime.now(timezone.utc) - timedelta(days=1)) == 0
    assert repo.prune_changes(datetime.now(timezone.utc) + timedelta(minutes=1)) == 5
    assert repo.change_position() == repo.oldest_change_position() == head


def test_a_library_behind_a_pruned_feed_resyncs_from_the_database(two_libraries):
    here, there = two_libraries
    old = here.add_article(FLOOD)
    assert there.sync() == old.chunks
    added = here.add_article(sample_draft())
    assert here.delete(old.article_id)
    here.repo.prune_changes(datetime.now(timezone.utc) + timedelta(minutes=1))
    assert there.sync() == added.chunks + old.chunks
    assert sorted(there.indexes.vectors.ids().tolist()) == there.repo.chunk_ids()
    assert sorted(there.indexes.lexical.ids().tolist()) == there.repo.chunk_ids()
    assert BELOUSOV in there.ask("siapa yang mendampingi Putin?", highlight=False).passages[0].text
    here.add_article(ArticleDraft(title="Gempa", text="Gempa bermagnitudo 5,2 mengguncang Cianjur pada Selasa pagi."))
    assert there.sync() == 1


def test_a_database_from_before_feed_retention_upgrades_keeping_its_feed(settings):
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import inspect

    from storage.database import MIGRATIONS

    engine = make_engine(settings.resolved_database_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
        connection.execute(text("INSERT INTO changes (chunk_id, deleted) VALUES (7, false), (7, true)"))
    migrate(engine)
    repo = Repository(engine)
    assert repo.changes_after(0) == ([(7, False), (7, True)], 2)
    assert "deletions" not in inspect(engine).get_table_names()
    stored(repo, 1)
    assert repo.change_position() == 4 and integrity_ok(engine)
    engine.dispose()


def test_a_chat_preference_first_written_by_two_processes_at_once_keeps_the_later_value(repo, settings):
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    other = Repository(make_engine(settings.resolved_database_url))

    def the_other_process_inserts_first(session, _context, _instances) -> None:
        other.set_setting("tg:5", "lang", "en")

    event.listen(Session, "before_flush", the_other_process_inserts_first, once=True)
    try:
        repo.set_setting("tg:5", "lang", "id")
    finally:
        event.remove(Session, "before_flush", the_other_process_inserts_first)
        other.engine.dispose()
    assert repo.get_setting("tg:5", "lang") == "id"

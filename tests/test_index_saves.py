"""A long ingest saves its indexes as it goes (so their memory does not grow with the library): what was saved
mid-way answers like what was never saved, after a restart too, and a crash between saves loses nothing stored."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

from retrieval.indexes.container import read_index_file, write_index_file
from retrieval.indexes.vectors import FLAT, IVF, VECTOR_FILE, VectorIndex
from retrieval.ingest.documents import ArticleDraft
from retrieval.library import Library


def code_word(n: int) -> str:
    """A made-up word only article `n` holds (letters only, so it is one word to the tokenizer)."""
    letters = ""
    while True:
        n, digit = divmod(n, 26)
        letters += chr(ord("a") + digit)
        if not n:
            return "zq" + letters + "x"


def article(n: int) -> ArticleDraft:
    return ArticleDraft(title=f"Laporan desa {n}", language="id",
                        text=f"Warga desa {code_word(n)} memperbaiki jembatan kayu sebelum musim hujan tiba. "
                             f"Kepala desa berkata pekerjaan itu selesai dalam dua pekan, nomor laporan {n}.")


def drafts(numbers: range) -> list[tuple[str, ArticleDraft]]:
    return [(f"laporan-{n}", article(n)) for n in numbers]


def first_title(library: Library, n: int) -> str:
    answer = library.ask(f"desa {code_word(n)}")
    return answer.passages[0].article.title if answer.passages else ""


def test_a_long_ingest_that_saves_midway_is_fully_answerable_after_a_restart(settings, hash_embedder):
    with Library(settings, hash_embedder) as library:
        library.indexes.save_every = 4
        statuses = [result.status for result in library.add_articles(drafts(range(30)), batch_size=5)]
        assert statuses == ["added"] * 30
        assert all(first_title(library, n) == f"Laporan desa {n}" for n in range(30))
    with Library(settings, hash_embedder) as restarted:
        assert restarted.repair_note is None
        assert sorted(restarted.indexes.vectors.ids().tolist()) == sorted(restarted.repo.chunk_ids())
        assert all(first_title(restarted, n) == f"Laporan desa {n}" for n in range(30))


def test_a_crash_between_saves_loses_no_article_reported_stored(settings, hash_embedder):
    dying = Library(settings, hash_embedder)
    dying.indexes.save_every = 4
    stored = [result.status for result in dying.add_articles(drafts(range(12)), batch_size=4)]
    dying.indexes.save_every = 1_000
    stored += [dying.add_article(draft, item).status for item, draft in drafts(range(12, 19))]
    assert stored == ["added"] * 19
    dying.engine.dispose()  # killed: the last seven articles are committed but in no saved index file
    with Library(settings, hash_embedder) as restarted:
        assert "added 7 missing chunks" in (restarted.repair_note or "")
        assert sorted(restarted.indexes.lexical.ids().tolist()) == sorted(restarted.repo.chunk_ids())
        assert all(first_title(restarted, n) == f"Laporan desa {n}" for n in range(19))


def unit_vectors(rng: np.random.Generator, count: int) -> np.ndarray:
    vectors = rng.normal(size=(count, 16)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_exact_vectors_saved_midway_are_searched_like_vectors_never_saved(tmp_path: Path):
    rng = np.random.default_rng(3)
    vectors = unit_vectors(rng, 900)
    kept, saved = VectorIndex(16, "m"), VectorIndex(16, "m")
    kept.add(np.arange(900), vectors)
    saved.add(np.arange(500), vectors[:500])
    saved.remove([7, 8])
    saved.save(tmp_path)
    saved.add(np.arange(500, 900), vectors[500:])
    for index in (kept, saved):
        index.remove([3, 7, 8, 650])
    queries = np.vstack([unit_vectors(rng, 20), vectors[[3, 650, 4]]])  # the removed ones as questions, too
    reloaded = None
    for _ in range(2):
        for index in (saved, reloaded) if reloaded else (saved,):
            assert len(index) == len(kept) == 896 and sorted(index.ids().tolist()) == sorted(kept.ids().tolist())
            for query in queries:
                assert index.search(query, 10)[0].tolist() == kept.search(query, 10)[0].tolist()
        saved.save(tmp_path)
        reloaded = VectorIndex.load(tmp_path, "m", 16)
    assert reloaded.kind == FLAT
    approximate = reloaded.approximated()
    assert sorted(approximate.ids().tolist()) == sorted(kept.ids().tolist())


def test_an_exact_index_file_written_by_faiss_before_is_read_and_rewritten_as_arrays(tmp_path: Path):
    rng = np.random.default_rng(5)
    vectors = unit_vectors(rng, 50)
    older = faiss.IndexIDMap2(faiss.IndexFlatIP(16))
    older.add_with_ids(vectors, np.arange(100, 150))
    meta = {"model": "m", "dim": 16, "kind": FLAT, "count": 50, "nprobe": 32}
    write_index_file(tmp_path / VECTOR_FILE, "vectors", meta,
                     [("faiss", lambda put: faiss.write_index(older, faiss.PyCallbackIOWriter(put)))])
    loaded = VectorIndex.load(tmp_path, "m", 16)
    assert loaded.search(vectors[7], 1)[0].tolist() == [107]
    loaded.save(tmp_path)
    assert "vectors" in read_index_file(tmp_path / VECTOR_FILE, "vectors").sections
    again = VectorIndex.load(tmp_path, "m", 16)
    assert again.search(vectors[7], 3)[0].tolist() == loaded.search(vectors[7], 3)[0].tolist()


def approximate_twins(folder: Path, training: np.ndarray) -> tuple[VectorIndex, VectorIndex]:
    """Two empty approximate indexes with the very same training (one trained index, saved, loaded twice)."""
    VectorIndex.approximate(16, "m", training).save(folder)
    return VectorIndex.load(folder, "m", 16), VectorIndex.load(folder, "m", 16)


def test_approximate_lists_saved_midway_are_searched_like_lists_never_saved(tmp_path: Path):
    rng = np.random.default_rng(4)
    vectors = unit_vectors(rng, 900)
    kept, saved = approximate_twins(tmp_path / "trained", vectors[:400])
    kept.add(np.arange(900), vectors)
    saved.add(np.arange(500), vectors[:500])
    saved.remove([7, 8])
    saved.save(tmp_path)
    assert saved.index.ntotal == 0, "what was saved is searched in the file, not held in memory"
    saved.add(np.arange(500, 900), vectors[500:])
    for index in (kept, saved):
        assert index.remove([3, 7, 8, 650]) == (4 if index is kept else 2)
    queries = np.vstack([unit_vectors(rng, 20), vectors[[3, 650, 4]]])
    reloaded = None
    for _ in range(2):
        for index in (saved, reloaded) if reloaded else (saved,):
            assert index.kind == IVF and index.nprobe < index.index.nlist
            assert len(index) == len(kept) == 896 and sorted(index.ids().tolist()) == sorted(kept.ids().tolist())
            for query in queries:
                assert index.search(query, 10)[0].tolist() == kept.search(query, 10)[0].tolist()
        saved.save(tmp_path)
        reloaded = VectorIndex.load(tmp_path, "m", 16)
    assert reloaded.index.ntotal == 0 and len(reloaded) == 896


def test_an_approximate_index_file_written_whole_by_faiss_before_is_read_and_rewritten_as_mapped_lists(tmp_path: Path):
    rng = np.random.default_rng(6)
    vectors = unit_vectors(rng, 200)
    older = VectorIndex.approximate(16, "m", vectors)
    older.add(np.arange(100, 300), vectors)
    meta = {"model": "m", "dim": 16, "kind": IVF, "count": 200, "nprobe": older.nprobe}
    write_index_file(tmp_path / VECTOR_FILE, "vectors", meta,
                     [("faiss", lambda put: faiss.write_index(older.index, faiss.PyCallbackIOWriter(put)))])
    loaded = VectorIndex.load(tmp_path, "m", 16)
    assert len(loaded) == 200 and loaded.search(vectors[7], 1)[0].tolist() == [107]
    loaded.save(tmp_path)
    assert "lists" in read_index_file(tmp_path / VECTOR_FILE, "vectors").sections
    again = VectorIndex.load(tmp_path, "m", 16)
    assert again.index.ntotal == 0 and sorted(again.ids().tolist()) == list(range(100, 300))
    assert again.search(vectors[7], 3)[0].tolist() == loaded.search(vectors[7], 3)[0].tolist()

"""Scale behaviour without timing: approximate indexes answer like exact ones, growth switches index type."""

from __future__ import annotations

import numpy as np

from retrieval.library import Library
from retrieval.indexes.vectors import FLAT, IVF, VectorIndex
from tests.conftest import sample_draft
from tests.test_index_saves import code_word, drafts
from tests.corpus import BELOUSOV, WEATHER


def test_an_approximate_index_still_answers_the_users_example(sample_library):
    assert sample_library.reindex(approximate=True) > 0
    assert sample_library.stats().index_kind == IVF
    answer = sample_library.ask("siapa yang mendampingi Putin?")
    assert answer.found and BELOUSOV in answer.passages[0].text


def test_the_approximate_index_survives_a_restart_and_deletes(settings, embedder):
    with Library(settings, embedder) as library:
        library.add_article(sample_draft())
        weather = library.add_article(WEATHER).article_id
        library.reindex(approximate=True)
    with Library(settings, embedder) as library:
        assert library.stats().index_kind == IVF
        assert library.delete(weather)
        answer = library.ask("siapa yang mendampingi Putin?")
        assert answer.found and BELOUSOV in answer.passages[0].text
        assert all("Bandung" not in p.text for p in library.ask("banjir di Bandung").passages)


def test_growth_past_the_threshold_switches_to_an_approximate_index(settings, embedder):
    settings.approximate_index_from = 3
    with Library(settings, embedder) as library:
        library.add_article(WEATHER)
        assert library.stats().index_kind == FLAT
        library.add_article(sample_draft())
        assert library.stats().chunks >= 3
        assert library.stats().index_kind == IVF
        assert len(library.indexes.vectors) == library.stats().chunks
        answer = library.ask("siapa yang mendampingi Putin?")
        assert answer.found and BELOUSOV in answer.passages[0].text


def test_reindex_exact_keeps_an_exact_index_past_the_threshold(settings, embedder):
    settings.approximate_index_from = 2
    with Library(settings, embedder) as library:
        library.add_article(sample_draft())
        assert library.stats().index_kind == IVF
        library.reindex(approximate=False)
        assert library.stats().index_kind == FLAT
        assert BELOUSOV in library.ask("siapa yang mendampingi Putin?").passages[0].text
    with Library(settings, embedder) as reopened:
        assert reopened.stats().index_kind == FLAT


def test_approximated_keeps_every_id_and_finds_each_vector_itself():
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(2000, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    exact = VectorIndex(32, "m")
    exact.add(np.arange(100, 2100), vectors)
    approximate = exact.approximated()
    assert approximate.kind == IVF and sorted(approximate.ids()) == list(range(100, 2100))
    approximate.nprobe = approximate.index.nlist
    found = [approximate.search(vectors[i], 1)[0][0] for i in range(0, 2000, 97)]
    assert found == list(range(100, 2100, 97))


def cited_titles(library: Library, n: int) -> list[str]:
    """The titles of the passages shown for article `n`'s own word (the 8-bit codes of an approximate index may rank
    a near neighbour first)."""
    return [passage.article.title for passage in library.ask(f"desa {code_word(n)}").passages]


def test_a_bulk_ingest_past_the_threshold_switches_midway_and_answers_every_article_after_a_restart(
        settings, hash_embedder, monkeypatch):
    monkeypatch.setattr("retrieval.indexes.vectors.FLUSH_ROWS", 8)  # the switch saves the new index in parts, as a large one does
    settings.approximate_index_from = 50
    with Library(settings, hash_embedder) as library:
        library.indexes.save_every = 16
        assert [r.status for r in library.add_articles(drafts(range(120)), batch_size=10)] == ["added"] * 120
        assert library.stats().index_kind == IVF
        shown = [cited_titles(library, n) for n in range(120)]
        assert all(f"Laporan desa {n}" in titles for n, titles in enumerate(shown))
    with Library(settings, hash_embedder) as restarted:
        assert restarted.repair_note is None and restarted.stats().index_kind == IVF
        assert sorted(restarted.indexes.vectors.ids().tolist()) == sorted(restarted.repo.chunk_ids())
        assert [cited_titles(restarted, n) for n in range(120)] == shown


def test_a_kill_during_the_switch_loses_no_article_reported_stored(settings, hash_embedder, monkeypatch):
    monkeypatch.setattr("retrieval.indexes.vectors.FLUSH_ROWS", 8)
    settings.approximate_index_from = 20
    dying = Library(settings, hash_embedder)
    dying.indexes.save_every = 1_000
    assert [dying.add_article(draft, item).status for item, draft in drafts(range(30))] == ["added"] * 30
    assert dying.indexes.vectors.kind == IVF
    dying.engine.dispose()  # killed: the switch saved part of the new index, the rest is in no saved file
    with Library(settings, hash_embedder) as restarted:
        assert "vector index: added" in (restarted.repair_note or "")
        assert sorted(restarted.indexes.vectors.ids().tolist()) == sorted(restarted.repo.chunk_ids())
        assert all(f"Laporan desa {n}" in cited_titles(restarted, n) for n in range(30))

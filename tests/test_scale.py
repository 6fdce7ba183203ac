"""Scale behaviour without timing: approximate indexes answer like exact ones, growth switches index type."""

from __future__ import annotations

import numpy as np

from retrieval.library import Library
from retrieval.indexes.vectors import FLAT, IVF, VectorIndex
from tests.conftest import sample_draft
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

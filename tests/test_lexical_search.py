"""The pruned lexical search returns exactly what scoring every posting returns."""

from __future__ import annotations

import math

import numpy as np
import pytest

from retrieval.indexes import lexical
from retrieval.indexes.lexical import LEXICAL_FILE, LexicalIndex
from retrieval.ranking.coverage import mentions_telling


def exhaustive(index: LexicalIndex, query: list[str], k: int) -> tuple[list[int], list[float]]:
    """BM25 over every posting of every query term of every live chunk, best first, ties by insertion order."""
    live = {chunk_id: slot for chunk_id, slot in index.slot.items()}
    avg = index.total_len / len(live)
    scores = np.zeros(len(index.doc_ids), dtype=np.float32)
    lengths = np.frombuffer(index.doc_len, dtype=np.int32)
    for token in query:
        if token not in index.vocab:
            continue
        docs_arr, freqs_arr = index.postings(index.vocab[token])
        docs = np.frombuffer(docs_arr, dtype=np.int32)
        df = sum(1 for slot in docs.tolist() if index.alive[slot])
        if not df:
            continue
        idf = math.log(1 + (len(live) - df + 0.5) / (df + 0.5))
        freqs = np.frombuffer(freqs_arr, dtype=np.uint16).astype(np.float32)
        scores[docs] += idf * freqs * (index.k1 + 1) / (freqs + index.k1 * (1 - index.b + index.b * lengths[docs] / avg))
    scores *= np.frombuffer(index.alive, dtype=np.uint8)
    ranked = sorted((slot for slot in range(len(scores)) if scores[slot] > 0), key=lambda slot: (-scores[slot], slot))
    return [int(index.doc_ids[slot]) for slot in ranked[:k]], [float(scores[slot]) for slot in ranked[:k]]


def zipf_corpus(rng: np.random.Generator, chunks: int, vocabulary: int) -> list[list[str]]:
    """Chunks of 5 to 120 words drawn with Zipf-like frequencies, so some terms are in most chunks."""
    weights = 1 / np.arange(1, vocabulary + 1) ** 1.1
    weights /= weights.sum()
    return [[f"w{w}" for w in rng.choice(vocabulary, size=int(rng.integers(5, 120)), p=weights)]
            for _ in range(chunks)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_pruned_search_returns_the_exhaustive_top_k_after_adds_and_deletions(seed):
    rng = np.random.default_rng(seed)
    corpus = zipf_corpus(rng, 6000, 3000)
    index = LexicalIndex()
    for chunk_id, tokens in enumerate(corpus, start=100):
        index.add(chunk_id, tokens)
    queries = [[f"w{w}" for w in rng.choice(3000, size=int(rng.integers(1, 9)))] for _ in range(40)]
    queries += [[f"w{w}" for w in np.concatenate([rng.choice(12, size=int(rng.integers(1, 4))),
                                                  rng.choice(np.arange(12, 3000), size=int(rng.integers(1, 4)))])]
                for _ in range(40)]  # common and rare words together: the common ones are mostly looked up, not read
    queries += [["w0", "w1", "w2"], ["w0", "w2999"], ["unknown", "w5"]]

    def agree() -> None:
        for query in queries:
            for k in (1, 10, 50):
                ids, scores, _ = index.search(query, k)
                assert (ids.tolist(), scores.tolist()) == exhaustive(index, query, k), (query, k)

    agree()
    index.remove(rng.choice(np.arange(100, 6100), size=1500, replace=False).tolist())
    for chunk_id, tokens in enumerate(zipf_corpus(rng, 500, 3000), start=7000):
        index.add(chunk_id, tokens)
    index.add(150, ["w0", "w1", "w7"])
    agree()


def test_a_chunk_deleted_after_a_search_no_longer_appears_in_the_next():
    index = LexicalIndex()
    for chunk_id in range(40):
        index.add(chunk_id, ["banjir", "jakarta"] if chunk_id % 2 else ["jakarta"])
    first, _, _ = index.search(["banjir", "jakarta"], 3)
    index.remove([int(first[0])])
    again, _, _ = index.search(["banjir", "jakarta"], 3)
    assert int(first[0]) not in again.tolist() and len(again) == 3


def test_a_passage_holding_any_of_equally_rare_question_words_is_worth_paging_to():
    """Three words as rare as each other: a passage holding any one of them is not left out of More passages (their
    average, summed in floating point, may come out a hair above each of them)."""
    weight = math.log(1 + (60 - 3 + 0.5) / (3 + 0.5))
    words = [(("gempa", "gempa"), weight), (("garut", "garut"), weight), (("korban", "korban"), weight)]
    assert sum(w for _, w in words) / 3 > weight
    assert mentions_telling(words, "Gempa di Garut menelan korban jiwa.")
    assert mentions_telling(words, "Korban banjir mengungsi.")


def test_coverage_is_the_idf_share_of_the_question_the_best_chunk_holds():
    index = LexicalIndex()
    index.add(1, ["gempa", "cianjur"])
    index.add(2, ["gempa"])
    index.add(3, ["banjir"])
    ids, _, coverage = index.search(["gempa", "cianjur", "tsunami"], 5)
    assert ids.tolist()[0] == 1 and coverage == pytest.approx(1.0)
    _, _, partial = index.search(["gempa", "banjir"], 5)
    assert 0 < partial < 1


def test_an_index_read_back_from_its_file_answers_like_the_one_saved_and_takes_adds_and_deletions(tmp_path):
    rng = np.random.default_rng(7)
    kept = LexicalIndex()
    for chunk_id, tokens in enumerate(zipf_corpus(rng, 800, 400)):
        kept.add(chunk_id, tokens)
    kept.save(tmp_path)
    loaded = LexicalIndex.load(tmp_path)
    for index in (kept, loaded):
        index.remove(range(0, 800, 7))
        index.add(5000, ["w0", "w3", "w3", "w390"])
    queries = [["w0", "w3"], ["w390", "w1"], ["w17", "w200", "w5"]]
    for query in queries:
        assert [a.tolist() for a in loaded.search(query, 20)[:2]] == [a.tolist() for a in kept.search(query, 20)[:2]]
    loaded.save(tmp_path)
    again = LexicalIndex.load(tmp_path)
    for query in queries:
        assert again.search(query, 20)[0].tolist() == kept.search(query, 20)[0].tolist()


@pytest.mark.parametrize("with_saved_bounds", [True, False])
def test_an_index_read_back_searches_exactly_after_adds_and_deletions(tmp_path, monkeypatch, with_saved_bounds):
    """The terms' score bounds are saved with the index (a file from before they were kept still loads and is exact);
    chunks added later, holding common words more often and in shorter chunks than any before, still rank."""
    if not with_saved_bounds:
        monkeypatch.setattr(lexical, "_saved_frontiers", lambda *arrays: {})
    rng = np.random.default_rng(4)
    saved = LexicalIndex()
    for chunk_id, tokens in enumerate(zipf_corpus(rng, 3000, 1500)):
        saved.add(chunk_id, tokens)
    saved.save(tmp_path)
    monkeypatch.undo()
    index = LexicalIndex.load(tmp_path)
    queries = [[f"w{w}" for w in np.concatenate([rng.choice(12, size=2), rng.choice(np.arange(12, 1500), size=2)])]
               for _ in range(60)]
    for query in queries:
        for k in (1, 10, 50):
            assert [a.tolist() for a in index.search(query, k)[:2]] == list(exhaustive(index, query, k)), (query, k)
    index.remove(rng.choice(3000, size=600, replace=False).tolist())
    for chunk_id in range(5000, 5040):
        index.add(chunk_id, [f"w{chunk_id % 12}"] * 9 + ["w1400"])
    for query in queries + [["w3", "w1400"], ["w0", "w1", "w1400"]]:
        for k in (1, 10):
            assert [a.tolist() for a in index.search(query, k)[:2]] == list(exhaustive(index, query, k)), (query, k)


def test_an_index_saved_in_parts_writes_the_very_file_of_one_saved_once(tmp_path, monkeypatch):
    """Each save writes every term's saved postings, then those added since, a few terms at a time."""
    monkeypatch.setattr(lexical, "_BOUND_BLOCK", 64)
    corpus = zipf_corpus(np.random.default_rng(9), 900, 500)
    in_parts, at_once = LexicalIndex(), LexicalIndex()
    for start in (0, 300, 600):
        for chunk_id in range(start, start + 300):
            in_parts.add(chunk_id, corpus[chunk_id])
            at_once.add(chunk_id, corpus[chunk_id])
        in_parts.save(tmp_path / "parts")
    at_once.save(tmp_path / "once")
    assert (tmp_path / "parts" / LEXICAL_FILE).read_bytes() == (tmp_path / "once" / LEXICAL_FILE).read_bytes()

"""BM25 over stemmed Indonesian and English words, keyed by chunk id, updatable and persisted."""

from __future__ import annotations

import math
import os
import pickle
import threading
from array import array
from pathlib import Path

import numpy as np
import Stemmer

from retrieval.ingest.text import words

STOPWORDS = frozenset(
    "yang dan di ke dari ini itu dengan untuk pada adalah dalam akan juga oleh sebagai telah atau karena "
    "bahwa ada sudah para tersebut apa siapa kapan mana dimana apakah berapa bagaimana mengapa kah "
    "the a an and of to in is was for on that with as by at from it are were be this which who what "
    "when where why how did does do".split()
)
_STEMMERS = {"id": Stemmer.Stemmer("indonesian"), "en": Stemmer.Stemmer("english")}
_STEM_LOCK = threading.Lock()


def terms(text: str, language: str | None) -> list[str]:
    """Stemmed content words of a passage in its language."""
    stemmer = _STEMMERS.get(language or "id", _STEMMERS["id"])
    with _STEM_LOCK:
        return stemmer.stemWords([w for w in words(text) if w not in STOPWORDS])


def word_stems(text: str) -> list[tuple[str, str]]:
    """Each distinct content word of a question as its (Indonesian, English) stems, since its language is uncertain."""
    tokens = list(dict.fromkeys(w for w in words(text) if w not in STOPWORDS))
    with _STEM_LOCK:
        return list(zip(_STEMMERS["id"].stemWords(tokens), _STEMMERS["en"].stemWords(tokens)))


def query_terms(text: str) -> list[str]:
    """Distinct stems of a question under both stemmers."""
    return distinct_stems(word_stems(text))


def distinct_stems(pairs: list[tuple[str, str]]) -> list[str]:
    """The distinct stems of (Indonesian, English) stem pairs: the Indonesian ones first."""
    return list(dict.fromkeys([id_stem for id_stem, _ in pairs] + [en_stem for _, en_stem in pairs]))


class LexicalIndex:
    """An inverted index with BM25 scoring; deletions are tombstones compacted on save."""

    def __init__(self, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.vocab: dict[str, int] = {}
        self.postings: list[tuple[array, array]] = []
        self.doc_ids = array("q")
        self.doc_len = array("i")
        self.alive = bytearray()
        self.slot: dict[int, int] = {}
        self.total_len = 0

    def __len__(self) -> int:
        return len(self.slot)

    def add(self, chunk_id: int, tokens: list[str]) -> None:
        """Index one chunk's stemmed tokens (re-adding an id replaces it)."""
        if chunk_id in self.slot:
            self.remove([chunk_id])
        slot = len(self.doc_ids)
        self.doc_ids.append(chunk_id)
        self.doc_len.append(len(tokens))
        self.alive.append(1)
        self.slot[chunk_id] = slot
        self.total_len += len(tokens)
        counts: dict[str, int] = {}
        for token in tokens:
            counts[token] = counts.get(token, 0) + 1
        for token, tf in counts.items():
            term = self.vocab.get(token)
            if term is None:
                term = self.vocab[token] = len(self.postings)
                self.postings.append((array("i"), array("H")))
            docs, freqs = self.postings[term]
            docs.append(slot)
            freqs.append(min(tf, 65535))

    def remove(self, chunk_ids) -> int:
        """Drop chunk ids from results; returns how many were present."""
        removed = 0
        for chunk_id in chunk_ids:
            slot = self.slot.pop(int(chunk_id), None)
            if slot is not None:
                self.alive[slot] = 0
                self.total_len -= self.doc_len[slot]
                removed += 1
        return removed

    def ids(self) -> np.ndarray:
        """Every chunk id in the index."""
        return np.fromiter(self.slot.keys(), dtype=np.int64, count=len(self.slot))

    def document_frequency(self, stem: str) -> int:
        """How many live chunks contain the stem (deleted ones stop counting at once, not at the next save)."""
        term = self.vocab.get(stem)
        return self._live_count(np.frombuffer(self.postings[term][0], dtype=np.int32)) if term is not None else 0

    def _live_count(self, docs: np.ndarray) -> int:
        """How many of these posting slots are not tombstones."""
        if len(self.doc_ids) == len(self.slot):
            return len(docs)
        return int(np.count_nonzero(np.frombuffer(self.alive, dtype=np.uint8)[docs]))

    def idf(self, df: int) -> float:
        """BM25 idf of a term found in `df` chunks; a term found nowhere gets the highest value."""
        n = len(self.slot)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def search(self, query: list[str], k: int) -> tuple[np.ndarray, np.ndarray, float]:
        """Top `k` chunk ids with BM25 scores, plus the share of query idf the best hit matched."""
        n = len(self.slot)
        if n == 0 or not query:
            return np.zeros(0, np.int64), np.zeros(0, np.float32), 0.0
        scores = np.zeros(len(self.doc_ids), dtype=np.float32)
        avg = self.total_len / n if n else 1.0
        lengths = np.frombuffer(self.doc_len, dtype=np.int32)
        matched: list[tuple[float, np.ndarray]] = []
        for token in query:
            term = self.vocab.get(token)
            if term is None:
                continue
            docs_arr, freqs_arr = self.postings[term]
            docs = np.frombuffer(docs_arr, dtype=np.int32)
            freqs = np.frombuffer(freqs_arr, dtype=np.uint16).astype(np.float32)
            live = self._live_count(docs)
            if live == 0:
                continue
            idf = self.idf(live)
            norm = self.k1 * (1 - self.b + self.b * lengths[docs] / avg)
            scores[docs] += idf * freqs * (self.k1 + 1) / (freqs + norm)
            matched.append((idf, docs))
        alive = np.frombuffer(self.alive, dtype=np.uint8)
        scores *= alive
        top = np.argpartition(-scores, min(k, len(scores) - 1))[:k]
        top = top[np.argsort(-scores[top])]
        top = top[scores[top] > 0]
        coverage = self._coverage(query, matched, int(top[0])) if len(top) else 0.0
        ids = np.frombuffer(self.doc_ids, dtype=np.int64)[top]
        return ids.copy(), scores[top], coverage

    def _coverage(self, query: list[str], matched: list[tuple[float, np.ndarray]], slot: int) -> float:
        """Idf-weighted share of the query's known terms that occur in the given document."""
        total = sum(idf for idf, _ in matched)
        if total <= 0:
            return 0.0
        hit = sum(idf for idf, docs in matched if np.any(docs == slot))
        return hit / total

    def compact(self) -> None:
        """Rebuild postings without tombstoned documents."""
        if all(self.alive):
            return
        fresh = LexicalIndex(self.k1, self.b)
        inverse: dict[int, list[tuple[str, int]]] = {}
        for token, term in self.vocab.items():
            docs, freqs = self.postings[term]
            for slot, tf in zip(docs, freqs):
                if self.alive[slot]:
                    inverse.setdefault(slot, []).append((token, tf))
        for slot in sorted(inverse):
            fresh.add(int(self.doc_ids[slot]), [t for t, tf in inverse[slot] for _ in range(tf)])
        for chunk_id, slot in self.slot.items():
            if slot not in inverse:
                fresh.add(chunk_id, [])
        self.__dict__.update(fresh.__dict__)

    def save(self, folder: Path) -> None:
        """Compact and persist atomically."""
        self.compact()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "lexical.pkl"
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as handle:
            pickle.dump(self.__dict__, handle, protocol=pickle.HIGHEST_PROTOCOL)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex | None:
        """The saved index, or None if absent or unreadable."""
        path = folder / "lexical.pkl"
        if not path.exists():
            return None
        index = cls()
        try:
            with open(path, "rb") as handle:
                index.__dict__.update(pickle.load(handle))
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError):
            return None
        return index

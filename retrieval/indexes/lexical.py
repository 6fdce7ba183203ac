"""BM25 over stemmed Indonesian and English words, keyed by chunk id, updatable and persisted as plain arrays."""

from __future__ import annotations

import math
import mmap
import threading
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import numpy as np
import Stemmer

from retrieval.indexes.container import read_index_file, write_index_file
from retrieval.ingest.text import words

LEXICAL_FILE = "lexical.idx"
LEGACY_FILES = ("lexical.pkl",)

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


class _Term(NamedTuple):
    """One query term as searched: its number, idf and postings (slots ascending, counts)."""

    term: int
    idf: float
    docs: np.ndarray
    freqs: np.ndarray


class _Windows(NamedTuple):
    """A term's postings cut by window of slots: per window, its number, posting range, highest count and shortest
    chunk; `count` is how many postings it was computed from."""

    count: int
    ids: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    max_tf: np.ndarray
    min_len: np.ndarray

    def arrays(self) -> tuple[np.ndarray, ...]:
        return self.ids, self.starts, self.ends, self.max_tf, self.min_len


class SlotMap:
    """Chunk id -> slot. The ids of a loaded file are two sorted arrays (12 bytes a chunk, not a dict's ~100);
    ids added later live in a dict, and loaded ids removed later are flagged."""

    def __init__(self, ids: np.ndarray | None = None, slots: np.ndarray | None = None) -> None:
        ids = np.zeros(0, np.int64) if ids is None else ids
        order = np.argsort(ids, kind="stable")
        self._ids = ids[order]
        self._slots = (np.zeros(0, np.int32) if slots is None else slots)[order].astype(np.int32)
        self._gone = np.zeros(len(ids), dtype=bool)
        self._added: dict[int, int] = {}
        self._count = len(ids)

    def __len__(self) -> int:
        return self._count + len(self._added)

    def __contains__(self, chunk_id: object) -> bool:
        return self.get(int(chunk_id)) is not None  # type: ignore[call-overload]

    def _base(self, chunk_id: int) -> int | None:
        """Where a loaded, not removed id lies in the sorted arrays."""
        at = int(np.searchsorted(self._ids, chunk_id))
        found = at < len(self._ids) and int(self._ids[at]) == chunk_id and not self._gone[at]
        return at if found else None

    def get(self, chunk_id: int) -> int | None:
        """The id's slot, or None."""
        if chunk_id in self._added:
            return self._added[chunk_id]
        at = self._base(chunk_id)
        return None if at is None else int(self._slots[at])

    def pop(self, chunk_id: int, default: int | None = None) -> int | None:
        """Forget the id; its slot (or `default` when absent)."""
        if chunk_id in self._added:
            return self._added.pop(chunk_id)
        at = self._base(chunk_id)
        if at is None:
            return default
        self._gone[at] = True
        self._count -= 1
        return int(self._slots[at])

    def __setitem__(self, chunk_id: int, slot: int) -> None:
        self.pop(chunk_id)
        self._added[chunk_id] = slot

    def ids(self) -> np.ndarray:
        """Every id held."""
        added = np.fromiter(self._added, dtype=np.int64, count=len(self._added))
        return np.concatenate([self._ids[~self._gone], added])

    def items(self) -> Iterator[tuple[int, int]]:
        """(id, slot) pairs."""
        live = ~self._gone
        yield from zip(self._ids[live].tolist(), self._slots[live].tolist())
        yield from self._added.items()


class LexicalIndex:
    """An inverted index with BM25 scoring; deletions are tombstones compacted on save."""

    window_bits = 10
    """Slots per window of the pruned search: 2**window_bits (smaller: tighter bounds, more windows to sum)."""
    window_cache_terms = 1024
    """Terms whose window bounds are kept between questions (the oldest computed is dropped first)."""
    seed_budget = 4096
    """Postings of the rarest query terms read in full to set the bar the other terms' windows must reach."""

    def __init__(self, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.vocab: dict[str, int] = {}
        self.postings: list[tuple[array | np.ndarray, array | np.ndarray]] = []  # loaded ones: views of the file
        self.doc_ids = array("q")
        self.doc_len = array("i")
        self.alive = bytearray()
        self.slot = SlotMap()
        self.total_len = 0
        self._window_cache: dict[int, _Windows] = {}

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
            if isinstance(docs, np.ndarray):
                docs, freqs = self.postings[term] = (array("i", docs.tobytes()), array("H", freqs.tobytes()))
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
        return self.slot.ids()

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
        """Top `k` chunk ids with BM25 scores, plus the share of query idf the best hit matched.

        Exact top-k without scoring every posting (MaxScore over windows of slots): the rarest terms alone set a
        bar (the k-th best of their chunks' partial scores, which the k-th best full score is at least), and a
        window is read only if its chunks could reach it: the other terms' bounds there (highest count, shortest
        chunk) plus its best partial score. Scores are summed in query order, as when every posting is scored;
        ties are broken by slot, oldest first.
        """
        n = len(self.slot)
        matched = self._matched(query) if n else []
        if not matched or k < 1:
            return np.zeros(0, np.int64), np.zeros(0, np.float32), 0.0
        avg = self.total_len / n
        alive = np.frombuffer(self.alive, dtype=np.uint8)
        seeds, rest = self._split_seeds(matched)
        scores = np.zeros(len(self.doc_ids), dtype=np.float32)
        reach, bar = self._rest_bounds(rest, avg), 0.0
        if seeds:
            for term in seeds:
                scores[term.docs] += self._contribution(term, term.freqs, term.docs, avg)
            slots = _distinct(np.concatenate([term.docs for term in seeds]))
            partial = scores[slots] * alive[slots]
            if len(slots) >= k:
                bar = float(np.partition(partial, len(slots) - k)[len(slots) - k]) * (1 - 1e-5)
            best = np.zeros_like(reach)
            np.maximum.at(best, slots >> self.window_bits, partial)
            reach += best
            scores[slots] = 0
        open_ = (reach * (1 + 1e-5) >= bar) & (reach > 0)
        everywhere = bool(open_[reach > 0].all())
        for term in matched:
            if everywhere:
                docs, freqs = term.docs, term.freqs
            elif any(term is seed for seed in seeds):
                inside = open_[term.docs >> self.window_bits]
                docs, freqs = term.docs[inside], term.freqs[inside]
            else:
                window = self._windows(term)
                keep = open_[window.ids]
                where = _ranges(window.starts[keep], window.ends[keep])
                docs, freqs = term.docs[where], term.freqs[where]
            scores[docs] += self._contribution(term, freqs, docs, avg)
        slots, scores = _best(scores, alive, k, bar)
        coverage = self._coverage(matched, int(slots[0])) if len(slots) else 0.0
        ids = np.frombuffer(self.doc_ids, dtype=np.int64)[slots]
        return ids.copy(), scores, coverage

    def _matched(self, query: list[str]) -> list[_Term]:
        """The query's terms that some live chunk holds, in query order, with their idf and postings."""
        matched = []
        for token in query:
            term = self.vocab.get(token)
            if term is None:
                continue
            docs_arr, freqs_arr = self.postings[term]
            docs = np.frombuffer(docs_arr, dtype=np.int32)
            live = self._live_count(docs)
            if live:
                matched.append(_Term(term, self.idf(live), docs, np.frombuffer(freqs_arr, dtype=np.uint16)))
        return matched

    def _split_seeds(self, matched: list[_Term]) -> tuple[list[_Term], list[_Term]]:
        """The rarest terms (the rarest one, and more while they fit `seed_budget` postings together), read in full
        to set the bar, and the others, read only in windows where they could matter."""
        seeds, postings = [], 0
        for term in sorted(matched, key=lambda term: len(term.docs)):
            if seeds and postings + len(term.docs) > self.seed_budget:
                break
            seeds.append(term)
            postings += len(term.docs)
        return seeds, [term for term in matched if all(term is not seed for seed in seeds)]

    def _contribution(self, term: _Term, freqs: np.ndarray, slots: np.ndarray, avg: float) -> np.ndarray:
        """BM25 terms of one query term for chunks at `slots` holding it `freqs` times."""
        freqs = freqs.astype(np.float32)
        lengths = np.frombuffer(self.doc_len, dtype=np.int32)
        norm = self.k1 * (1 - self.b + self.b * lengths[slots] / avg)
        return term.idf * freqs * (self.k1 + 1) / (freqs + norm)

    def _rest_bounds(self, rest: list[_Term], avg: float) -> np.ndarray:
        """Per window of slots, the most its chunks can score from the `rest` terms."""
        bounds = np.zeros((len(self.doc_ids) >> self.window_bits) + 1)
        for term in rest:
            window = self._windows(term)
            bounds[window.ids] += term.idf * (self.k1 + 1) * window.max_tf / (
                window.max_tf + self.k1 * (1 - self.b + self.b * window.min_len / avg))
        return bounds

    def _windows(self, term: _Term) -> _Windows:
        """Per window of slots holding the term: its postings' range, highest count and shortest chunk (cached for
        `window_cache_terms` terms; only the last window is recomputed after adds; deletions leave bounds valid)."""
        cached = self._window_cache.get(term.term)
        if cached is not None and cached.count == len(term.docs):
            return cached
        origin = int(cached.starts[-1]) if cached is not None and len(cached.starts) else 0
        docs, freqs = term.docs[origin:], term.freqs[origin:]
        window = docs >> self.window_bits
        starts = np.flatnonzero(np.diff(window, prepend=-1)).astype(np.int32)
        lengths = np.frombuffer(self.doc_len, dtype=np.int32)[docs]
        part = _Windows(len(term.docs), window[starts], starts + origin, np.append(starts[1:], len(docs)) + origin,
                        np.maximum.reduceat(freqs, starts).astype(np.float32),
                        np.minimum.reduceat(lengths, starts).astype(np.float32))
        if cached is not None and origin:
            keep = len(cached.starts) - 1
            part = _Windows(len(term.docs), *(np.concatenate([old[:keep], new]) for old, new in
                                              zip(cached.arrays(), part.arrays())))
        self._window_cache.pop(term.term, None)
        if len(self._window_cache) >= self.window_cache_terms:
            del self._window_cache[next(iter(self._window_cache))]
        self._window_cache[term.term] = part
        return part

    def _coverage(self, matched: list[_Term], slot: int) -> float:
        """Idf-weighted share of the query's known terms that occur in the given document."""
        total = sum(term.idf for term in matched)
        if total <= 0:
            return 0.0
        hit = sum(term.idf for term in matched if _holds(term.docs, slot))
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
        """Compact and persist as plain arrays in one self-checking file (nothing in it can run when loaded)."""
        self.compact()
        vocab = [token.encode() for token in self.vocab]
        postings = [self.postings[term] for term in self.vocab.values()]
        arrays = {  # postings first: after the 8-byte header and doc_ids, every array starts at a multiple of its size
            "doc_ids": np.frombuffer(self.doc_ids, np.int64),
            "post_docs": _joined([docs for docs, _ in postings], np.int32),
            "post_freqs": _joined([freqs for _, freqs in postings], np.uint16),
            "doc_len": np.frombuffer(self.doc_len, np.int32),
            "alive": np.frombuffer(self.alive, np.uint8), "vocab": np.frombuffer(b"".join(vocab), np.uint8),
            "vocab_ends": np.cumsum([len(token) for token in vocab], dtype=np.int64),
            "post_ends": np.cumsum([len(docs) for docs, _ in postings], dtype=np.int64),
        }
        meta = {"k1": self.k1, "b": self.b, "documents": len(self.doc_ids), "terms": len(vocab)}
        write_index_file(folder / LEXICAL_FILE, "lexical", meta,
                         [(name, lambda put, values=values: put(values)) for name, values in arrays.items()])

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex | None:
        """The saved index, or None if absent; DamagedIndex if the file or its arrays do not hold together."""
        stored = read_index_file(folder / LEXICAL_FILE, "lexical")
        if stored is None:
            return None
        meta = stored.meta
        arrays = {name: stored.mapped(name, dtype) if name in _MAPPED else stored.array(name, dtype)
                  for name, dtype in _ARRAYS.items()}
        problem = _inconsistency(arrays, meta)
        if problem:
            raise stored.damaged(problem)
        index = cls(float(meta["k1"]), float(meta["b"]))
        index.doc_ids.frombytes(arrays["doc_ids"].tobytes())
        index.doc_len.frombytes(arrays["doc_len"].tobytes())
        index.alive = bytearray(arrays["alive"].tobytes())
        vocab, vocab_ends = arrays["vocab"].tobytes(), arrays["vocab_ends"].tolist()
        docs, freqs, post_ends = arrays["post_docs"], arrays["post_freqs"], arrays["post_ends"].tolist()
        start = post_start = 0
        for term, (end, post_end) in enumerate(zip(vocab_ends, post_ends)):
            try:
                index.vocab[vocab[start:end].decode()] = term
            except UnicodeDecodeError:
                raise stored.damaged(f"term {term} is not UTF-8") from None
            index.postings.append((docs[post_start:post_end], freqs[post_start:post_end]))
            start, post_start = end, post_end
        _release(docs, freqs)
        if len(index.vocab) != len(vocab_ends):
            raise stored.damaged("a term is listed twice")
        live = np.flatnonzero(arrays["alive"])
        ids = arrays["doc_ids"][live]
        if len(np.unique(ids)) != len(live):
            raise stored.damaged("a chunk id is listed twice")
        index.slot = SlotMap(ids, live)
        index.total_len = int(arrays["doc_len"][live].sum())
        return index


_MAPPED = ("post_docs", "post_freqs")
"""The arrays left in the file and read when a question needs them; a term's postings are copied into memory only
when a chunk is added to it."""
_ARRAYS = {"doc_ids": "<i8", "doc_len": "<i4", "alive": "u1", "vocab": "u1", "vocab_ends": "<i8", "post_ends": "<i8",
           "post_docs": "<i4", "post_freqs": "<u2"}


def _ranges(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The positions start..end-1 of each range, end to end."""
    lengths = ends - starts
    total = int(lengths.sum())
    if not total:
        return np.zeros(0, np.int64)
    offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
    return offsets + np.arange(total)


def _best(scores: np.ndarray, alive: np.ndarray, k: int, bar: float) -> tuple[np.ndarray, np.ndarray]:
    """The slots of the `k` best positive live scores (none below `bar`) and the scores, best first, ties by slot."""
    if bar <= 0:
        scores *= alive
        bar = max(float(np.partition(scores, len(scores) - k)[len(scores) - k]), np.finfo(np.float32).tiny) \
            if len(scores) > k else np.finfo(np.float32).tiny
    slots = np.flatnonzero(scores >= bar)
    found = scores[slots] * alive[slots]
    top = np.lexsort((slots, -found))[:k]
    keep = found[top] > 0
    return slots[top][keep], found[top][keep]


def _distinct(slots: np.ndarray) -> np.ndarray:
    """The distinct values, ascending."""
    slots = np.sort(slots)
    return slots[np.concatenate(([True], slots[1:] != slots[:-1]))] if len(slots) else slots


def _holds(docs: np.ndarray, slot: int) -> bool:
    """Whether a sorted postings list holds the slot."""
    at = int(np.searchsorted(docs, slot))
    return at < len(docs) and int(docs[at]) == slot


def _release(*mapped: np.ndarray) -> None:
    """Let the pages of mapped arrays read while checking them go (they stay in the page cache, not in this
    process's resident memory)."""
    for values in mapped:
        owner = values.base.obj if isinstance(values.base, memoryview) else values.base
        if isinstance(owner, mmap.mmap):
            owner.madvise(mmap.MADV_DONTNEED)


def _joined(parts: list[array], dtype: type) -> np.ndarray:
    """Arrays of one type end to end."""
    return np.concatenate([np.frombuffer(p, dtype) for p in parts]) if parts else np.zeros(0, dtype)


def _inconsistency(arrays: dict[str, np.ndarray], meta: dict) -> str | None:
    """Why a lexical file's arrays cannot be one index (None when they can)."""
    documents, terms_ = len(arrays["doc_ids"]), len(arrays["vocab_ends"])
    if not all(isinstance(meta.get(key), (int, float)) for key in ("k1", "b")):
        return "its BM25 parameters are missing"
    if meta.get("documents") != documents or meta.get("terms") != terms_:
        return f"it holds {documents} chunks and {terms_} terms; its metadata says {meta.get('documents')} and {meta.get('terms')}"
    if len(arrays["doc_len"]) != documents or len(arrays["alive"]) != documents or len(arrays["post_ends"]) != terms_:
        return "its arrays differ in length"
    for ends, total in ((arrays["vocab_ends"], len(arrays["vocab"])), (arrays["post_ends"], len(arrays["post_docs"]))):
        if len(ends) and (ends[-1] != total or np.any(np.diff(ends) < 0) or ends[0] < 0):
            return "its offsets are out of order"
        if not len(ends) and total:
            return "it holds postings without terms"
    if len(arrays["post_freqs"]) != len(arrays["post_docs"]):
        return "its postings differ in length"
    if len(arrays["post_docs"]) and (arrays["post_docs"].min() < 0 or arrays["post_docs"].max() >= documents):
        return "a posting points past the last chunk"
    if len(arrays["doc_len"]) and arrays["doc_len"].min() < 0:
        return "a chunk has a negative length"
    return None

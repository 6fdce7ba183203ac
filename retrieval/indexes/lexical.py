"""BM25 over stemmed Indonesian and English words, keyed by chunk id, updatable and persisted as plain arrays."""

from __future__ import annotations

import logging
import math
import threading
from array import array
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import Stemmer

from retrieval.indexes.container import read_index_file, release_pages, write_index_file
from retrieval.ingest.text import words

log = logging.getLogger(__name__)

LEXICAL_FILE = "lexical.idx"
LEGACY_FILES = ("lexical.pkl",)
TERMS_VERSION = 3
"""How text becomes terms (`words`, the stop words, the stemmers); 2 joins thousands separators ("16.200" is the
term "16200"), 3 sets a currency apart from its figure ("Rp16.200" is "rp" and "16200"). An index saved with other
terms is rebuilt from the database, as if it were absent."""

STOPWORDS = frozenset(
    "yang dan di ke dari ini itu dengan untuk pada adalah dalam akan juga oleh sebagai telah atau karena "
    "bahwa ada sudah para tersebut apa siapa kapan mana dimana apakah berapa bagaimana mengapa kah seberapa tentang "
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
        indonesian = [without_nya(stem) for stem in _STEMMERS["id"].stemWords(tokens)]
        return list(zip(indonesian, _STEMMERS["en"].stemWords(tokens)))


NYA_ROOT_CHARS = 3
"""The shortest root whose -nya is taken off ("golnya", "krlnya"); shorter ones are words of their own ("hanya",
"punya", "Kenya")."""


def without_nya(stem: str) -> str:
    """An Indonesian stem without the possessive -nya that Snowball leaves on words of two syllables or fewer
    ("golnya", "BBMnya"), which questions use far more than news text: the root is what the passages hold."""
    root = stem.removesuffix("nya")
    return root if root != stem and len(root) >= NYA_ROOT_CHARS else stem


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


class _Frontier(NamedTuple):
    """A term's postings summarised for its score bound: each count it is held with, and the shortest chunk holding
    it that often; `count` is how many postings it was computed from."""

    count: int
    freqs: np.ndarray
    min_len: np.ndarray


class _SavedBounds(NamedTuple):
    """The frontiers of every term as saved, computed from its saved postings: where each term's (count, shortest
    chunk) pairs end, and the pairs."""

    ends: np.ndarray
    counts: np.ndarray
    lengths: np.ndarray

    def frontier(self, term: int, postings: int) -> _Frontier | None:
        """The term's saved frontier, computed from its `postings` saved postings (None for a term added since)."""
        if term >= len(self.ends):
            return None
        start, end = (int(self.ends[term - 1]) if term else 0), int(self.ends[term])
        return _Frontier(postings, self.counts[start:end].astype(np.float64),
                         self.lengths[start:end].astype(np.float64))


class _Saved(NamedTuple):
    """The postings of the index file, mapped from it: every term's slots and counts end to end, and where each
    term's run ends (terms numbered past `ends` have none saved)."""

    docs: np.ndarray
    freqs: np.ndarray
    ends: np.ndarray

    @classmethod
    def empty(cls) -> _Saved:
        return cls(np.zeros(0, np.int32), np.zeros(0, np.uint16), np.zeros(0, np.int64))

    def of(self, term: int) -> tuple[np.ndarray, np.ndarray]:
        """One term's saved postings (views of the file)."""
        if term >= len(self.ends):
            return self.docs[:0], self.freqs[:0]
        start, end = (int(self.ends[term - 1]) if term else 0), int(self.ends[term])
        return self.docs[start:end], self.freqs[start:end]


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

    bound_cache_terms = 4096
    """Terms whose score bounds are kept between questions (the oldest computed is dropped first)."""

    def __init__(self, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.vocab: dict[str, int] = {}
        self.saved = _Saved.empty()
        self.added: dict[int, tuple[array, array]] = {}
        """Postings added since the file was written, by term: the only ones held in memory, as each save writes
        them to the file and maps them back (so a long ingest holds at most what it added since the last save)."""
        self.doc_ids = array("q")
        self.doc_len = array("i")
        self.alive = bytearray()
        self.slot = SlotMap()
        self.total_len = 0
        self._bounds: dict[int, _Frontier] = {}
        self._saved_bounds: _SavedBounds | None = None

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
            term = self.vocab.setdefault(token, len(self.vocab))
            docs, freqs = self.added.get(term) or self.added.setdefault(term, (array("i"), array("H")))
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

    def postings(self, term: int) -> tuple[np.ndarray, np.ndarray]:
        """A term's postings, saved then added: the slots holding it (ascending) and its count in each."""
        docs, freqs = self.saved.of(term)
        added = self.added.get(term)
        if added is None:
            return docs, freqs
        new_docs, new_freqs = np.frombuffer(added[0], dtype=np.int32), np.frombuffer(added[1], dtype=np.uint16)
        if not len(docs):
            return new_docs, new_freqs
        return np.concatenate([docs, new_docs]), np.concatenate([freqs, new_freqs])

    def document_frequency(self, stem: str) -> int:
        """How many live chunks contain the stem (deleted ones stop counting at once, not at the next save)."""
        term = self.vocab.get(stem)
        return self._live_count(self.postings(term)[0]) if term is not None else 0

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

        Exact top-k without scoring every posting (MaxScore, see `_MaxScore`); the few chunks that could be among
        the best are scored in full, each term's contributions summed in query order, exactly as when every posting
        is scored; ties are broken by slot, oldest first.
        """
        n = len(self.slot)
        matched = self._matched(query) if n else []
        if not matched or k < 1:
            return np.zeros(0, np.int64), np.zeros(0, np.float32), 0.0
        avg = self.total_len / n
        alive = np.frombuffer(self.alive, dtype=np.uint8)
        slots = _MaxScore(self, matched, k, avg, alive).candidates()
        slots, scores = _best(slots, self._scores(matched, slots, avg), k)
        coverage = self._coverage(matched, int(slots[0])) if len(slots) else 0.0
        ids = np.frombuffer(self.doc_ids, dtype=np.int64)[slots]
        return ids.copy(), scores, coverage

    def _scores(self, matched: list[_Term], slots: np.ndarray, avg: float) -> np.ndarray:
        """Full BM25 scores of the chunks at `slots` (ascending), the terms summed in query order."""
        scores = np.zeros(len(slots), dtype=np.float32)
        for term in matched:
            scores += _at_slots(term, slots, lambda t, freqs, held: self._contribution(t, freqs, held, avg), np.float64)
        return scores

    def _matched(self, query: list[str]) -> list[_Term]:
        """The query's terms that some live chunk holds, in query order, with their idf and postings."""
        matched = []
        for token in query:
            term = self.vocab.get(token)
            if term is None:
                continue
            docs, freqs = self.postings(term)
            live = self._live_count(docs)
            if live:
                matched.append(_Term(term, self.idf(live), docs, freqs))
        return matched

    def _contribution(self, term: _Term, freqs: np.ndarray, slots: np.ndarray, avg: float) -> np.ndarray:
        """BM25 terms of one query term for chunks at `slots` holding it `freqs` times (float64, the reference
        arithmetic every score is summed from)."""
        freqs = freqs.astype(np.float32)
        lengths = np.frombuffer(self.doc_len, dtype=np.int32)
        norm = self.k1 * (1 - self.b + self.b * lengths[slots] / avg)
        return term.idf * freqs * (self.k1 + 1) / (freqs + norm)

    def _bound(self, term: _Term, avg: float) -> float:
        """The most one chunk can score from the term: its best count for the length of the shortest chunk holding
        it so often."""
        frontier = self._frontier(term)
        norm = self.k1 * (1 - self.b + self.b * frontier.min_len / avg)
        return term.idf * (self.k1 + 1) * float(np.max(frontier.freqs / (frontier.freqs + norm)))

    def _frontier(self, term: _Term) -> _Frontier:
        """Per count the term is held with, the shortest chunk holding it so often (as saved, or computed and cached
        for `bound_cache_terms` terms; after adds only the new postings are read; deletions leave it a valid bound)."""
        cached = self._bounds.get(term.term)
        if cached is None and self._saved_bounds is not None:
            cached = self._saved_bounds.frontier(term.term, len(self.saved.of(term.term)[0]))
        if cached is not None and cached.count == len(term.docs):
            return cached
        origin = cached.count if cached is not None else 0
        freqs = term.freqs[origin:]
        lengths = np.frombuffer(self.doc_len, dtype=np.int32)[term.docs[origin:]]
        if cached is not None:
            freqs = np.concatenate([freqs, cached.freqs.astype(np.uint16)])
            lengths = np.concatenate([lengths, cached.min_len.astype(np.int32)])
        _, counts, shortest = _frontiers(np.zeros(len(freqs), np.int32), freqs, lengths, 1)
        frontier = _Frontier(len(term.docs), counts.astype(np.float64), shortest.astype(np.float64))
        self._bounds.pop(term.term, None)
        if len(self._bounds) >= self.bound_cache_terms:
            del self._bounds[next(iter(self._bounds))]
        self._bounds[term.term] = frontier
        return frontier

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
        for chunk_id, tokens in self.chunk_tokens():
            fresh.add(chunk_id, tokens)
        self.__dict__.update(fresh.__dict__)

    def chunk_tokens(self) -> Iterator[tuple[int, list[str]]]:
        """Each live chunk's id and its stems (each as often as it occurs, in vocabulary order), in slot order:
        the postings inverted back into chunks."""
        vocab = np.array(list(self.vocab), dtype=object)
        lists = [self.postings(term) for term in self.vocab.values()]
        slots = np.concatenate([np.zeros(0, np.int32), *(docs for docs, _ in lists)])
        freqs = np.concatenate([np.zeros(0, np.uint16), *(counts for _, counts in lists)])
        terms = np.repeat(np.arange(len(lists), dtype=np.int32), [len(docs) for docs, _ in lists])
        order = np.argsort(slots, kind="stable")
        slots, freqs, terms = slots[order], freqs[order], terms[order]
        bounds = np.searchsorted(slots, np.arange(len(self.doc_ids) + 1))
        for slot in np.flatnonzero(np.frombuffer(self.alive, np.uint8)).tolist():
            start, end = bounds[slot], bounds[slot + 1]
            yield int(self.doc_ids[slot]), vocab[np.repeat(terms[start:end], freqs[start:end])].tolist()

    def save(self, folder: Path) -> None:
        """Compact and persist as plain arrays in one self-checking file (nothing in it can run when loaded), then
        search the postings from that file, mapped: what was added since the last save leaves memory. Postings are
        written from the old file and memory a block of terms at a time, never gathered whole."""
        self.compact()
        vocab = [token.encode() for token in self.vocab]
        sizes = np.zeros(len(vocab), np.int64)
        sizes[: len(self.saved.ends)] = np.diff(self.saved.ends, prepend=0)
        for term, (docs, _) in self.added.items():
            sizes[term] += len(docs)
        doc_len = np.frombuffer(self.doc_len, np.int32)
        # postings first: after the 8-byte header and doc_ids, every array starts at a multiple of its size
        arrays: dict[str, Any] = {
            "doc_ids": np.frombuffer(self.doc_ids, np.int64),
            "post_docs": 1, "post_freqs": 2,  # written block by block: part 1 (slots) or 2 (counts) of each block
            "doc_len": doc_len,
            "alive": np.frombuffer(self.alive, np.uint8), "vocab": np.frombuffer(b"".join(vocab), np.uint8),
            "vocab_ends": np.cumsum([len(token) for token in vocab], dtype=np.int64),
            "post_ends": np.cumsum(sizes, dtype=np.int64),
        }
        arrays.update(_saved_frontiers(self._posting_blocks(sizes), doc_len))
        meta = {"k1": self.k1, "b": self.b, "documents": len(self.doc_ids), "terms": len(vocab),
                "terms_version": TERMS_VERSION}
        stored = write_index_file(folder / LEXICAL_FILE, "lexical", meta, [
            (name, (lambda put, part=values: self._write_postings(put, sizes, part)) if isinstance(values, int)
             else (lambda put, values=values: put(values))) for name, values in arrays.items()])
        self.saved = _Saved(stored.mapped("post_docs", "<i4"), stored.mapped("post_freqs", "<u2"), arrays["post_ends"])
        self._saved_bounds = _SavedBounds(*(arrays[name] for name in _BOUNDS)) if _BOUNDS[0] in arrays else None
        self.added = {}
        live = np.flatnonzero(np.frombuffer(self.alive, np.uint8))
        self.slot = SlotMap(np.frombuffer(self.doc_ids, np.int64)[live], live)

    def _write_postings(self, put: Callable[[np.ndarray], int], sizes: np.ndarray, part: int) -> None:
        """Every term's postings end to end: their slots (`part` 1) or their counts (`part` 2)."""
        for block in self._posting_blocks(sizes):
            put(block[part])

    def _posting_blocks(self, sizes: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Every term's postings, saved then added, in blocks of whole terms of about `_BOUND_BLOCK` postings: the
        block's posting count per term, then their slots and counts end to end. The old file's pages read for a
        block are let go after it, so a pass costs a block of memory, whatever the index's size."""
        ends = np.cumsum(sizes)
        added = np.array(sorted(self.added), dtype=np.int64)
        saved_ends = np.concatenate([[0], self.saved.ends])
        first = 0
        while first < len(sizes):
            start = int(ends[first - 1]) if first else 0
            last = max(first + 1, int(np.searchsorted(ends, start + _BOUND_BLOCK, side="right")))
            yield sizes[first:last], *self._block_postings(first, last, added[np.searchsorted(added, first) :
                                                                               np.searchsorted(added, last)], saved_ends)
            release_pages(self.saved.docs, self.saved.freqs)
            first = last

    def _block_postings(self, first: int, last: int, added: np.ndarray,
                        saved_ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The postings of terms `first` to `last` - 1 end to end, each term's saved ones then its `added` ones: the
        saved ones are one run of the file (term t's end at `saved_ends[t + 1]`), the added ones inserted after their
        term's (no array per term: most terms of a large library are rare, and a block can hold tens of thousands)."""
        lo, hi = (int(saved_ends[min(term, len(saved_ends) - 1)]) for term in (first, last))
        docs, freqs = self.saved.docs[lo:hi], self.saved.freqs[lo:hi]
        if not len(added):
            return docs, freqs
        where = saved_ends[np.minimum(added + 1, len(saved_ends) - 1)] - lo
        new = [self.added[term] for term in added.tolist()]
        where = np.repeat(where, [len(term_docs) for term_docs, _ in new])
        return (np.insert(docs, where, np.concatenate([np.frombuffer(d, np.int32) for d, _ in new])),
                np.insert(freqs, where, np.concatenate([np.frombuffer(f, np.uint16) for _, f in new])))

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex | None:
        """The saved index, or None if absent; DamagedIndex if the file or its arrays do not hold together."""
        stored = read_index_file(folder / LEXICAL_FILE, "lexical")
        if stored is None:
            return None
        meta = stored.meta
        if meta.get("terms_version", 1) != TERMS_VERSION:
            log.info("%s holds terms of an older version; rebuilding it from the database", folder / LEXICAL_FILE)
            return None
        arrays = {name: stored.mapped(name, dtype) if name in _MAPPED else stored.array(name, dtype)
                  for name, dtype in _ARRAYS.items() if name in _REQUIRED or name in stored.sections}
        problem = _inconsistency(arrays, meta)
        if problem:
            raise stored.damaged(problem)
        index = cls(float(meta["k1"]), float(meta["b"]))
        index.doc_ids.frombytes(arrays["doc_ids"].tobytes())
        index.doc_len.frombytes(arrays["doc_len"].tobytes())
        index.alive = bytearray(arrays["alive"].tobytes())
        vocab, vocab_ends = arrays["vocab"].tobytes(), arrays["vocab_ends"].tolist()
        start = 0
        for term, end in enumerate(vocab_ends):
            try:
                index.vocab[vocab[start:end].decode()] = term
            except UnicodeDecodeError:
                raise stored.damaged(f"term {term} is not UTF-8") from None
            start = end
        release_pages(arrays["post_docs"], arrays["post_freqs"])
        index.saved = _Saved(arrays["post_docs"], arrays["post_freqs"], arrays["post_ends"])
        if len(index.vocab) != len(vocab_ends):
            raise stored.damaged("a term is listed twice")
        live = np.flatnonzero(arrays["alive"])
        ids = arrays["doc_ids"][live]
        if len(np.unique(ids)) != len(live):
            raise stored.damaged("a chunk id is listed twice")
        index.slot = SlotMap(ids, live)
        index.total_len = int(arrays["doc_len"][live].sum())
        if _BOUNDS[0] in arrays:
            index._saved_bounds = _SavedBounds(*(arrays[name] for name in _BOUNDS))
        return index


_MAPPED = ("post_docs", "post_freqs")
"""The arrays left in the file and read when a question needs them; postings added later are held in memory until
the next save."""
_ARRAYS = {"doc_ids": "<i8", "doc_len": "<i4", "alive": "u1", "vocab": "u1", "vocab_ends": "<i8", "post_ends": "<i8",
           "post_docs": "<i4", "post_freqs": "<u2", "bound_ends": "<i8", "bound_counts": "<u2", "bound_lengths": "<i4"}
_REQUIRED = ("doc_ids", "doc_len", "alive", "vocab", "vocab_ends", "post_ends", "post_docs", "post_freqs")
"""The arrays every lexical file holds; files saved before the terms' score bounds were kept lack those."""
_BOUNDS = ("bound_ends", "bound_counts", "bound_lengths")
_TOP_COUNT = 16
"""Counts from this up are kept as one in a term's frontier, at the highest count (still a bound, and small)."""
_BOUND_BLOCK = 1 << 16
"""Postings written, and whose frontiers are computed, at once when saving (bounds the memory a save takes: about
40 bytes a posting, 2.6 MB)."""


def _frontiers(terms: np.ndarray, freqs: np.ndarray, lengths: np.ndarray, count: int) -> tuple[np.ndarray, ...]:
    """For the postings of `count` terms (each posting's term number, count and chunk length): per term, each count
    it is held with and the shortest chunk holding it so often, as (term, count, length) arrays ordered by term.
    Counts of `_TOP_COUNT` and more are one pair, at the term's highest count."""
    bucket = np.clip(freqs, 1, _TOP_COUNT).astype(np.int32) - 1
    shortest = np.full(count * _TOP_COUNT, np.iinfo(np.int32).max, dtype=np.int32)
    np.minimum.at(shortest, terms * _TOP_COUNT + bucket, lengths.astype(np.int32))
    highest = np.zeros(count, dtype=np.uint16)
    np.maximum.at(highest, terms, freqs.astype(np.uint16))
    present = np.flatnonzero(shortest < np.iinfo(np.int32).max)
    term, held = present // _TOP_COUNT, present % _TOP_COUNT + 1
    return term, np.where(held == _TOP_COUNT, highest[term], held).astype(np.uint16), shortest[present]


def _saved_frontiers(blocks: Iterable[tuple[np.ndarray, np.ndarray, np.ndarray]], doc_len: np.ndarray) -> dict:
    """Every term's frontier as arrays to save, from the postings given in blocks of whole terms (posting count per
    term, slots, counts): where each term's pairs end, their counts and shortest chunks."""
    pieces = []
    for sizes, docs, freqs in blocks:
        terms = np.repeat(np.arange(len(sizes), dtype=np.int32), sizes)
        term, counts, lengths = _frontiers(terms, freqs, doc_len[docs], len(sizes))
        pieces.append((np.bincount(term, minlength=len(sizes)), counts, lengths))
    per_term = np.concatenate([p[0] for p in pieces]) if pieces else np.zeros(0, np.int64)
    return {"bound_ends": np.cumsum(per_term, dtype=np.int64),
            "bound_counts": np.concatenate([p[1] for p in pieces]) if pieces else np.zeros(0, np.uint16),
            "bound_lengths": np.concatenate([p[2] for p in pieces]) if pieces else np.zeros(0, np.int32)}


_ROUNDING = 1e-6
"""Relative rounding room per term summed: a float32 sum of n terms is within about n * 6e-8 of the real one."""
_LOOKUP_COST = 8
"""How many postings read whole cost as much as looking one chunk up in them (measured with numpy at 1M chunks)."""


def _at_slots(term: _Term, slots: np.ndarray, contribution: Callable[[_Term, np.ndarray, np.ndarray], np.ndarray],
              dtype: type) -> np.ndarray:
    """`contribution(term, freqs, slots)` for each chunk at `slots` (ascending) that holds the term, 0 elsewhere."""
    found, held = _find(term.docs, slots)
    values = np.zeros(len(slots), dtype=dtype)
    values[held] = contribution(term, term.freqs[found[held]], slots[held])
    return values


def _kth(scores: np.ndarray, k: int) -> float:
    """The k-th highest of the scores (0 when there are fewer than k)."""
    if len(scores) < k:
        return 0.0
    return float(np.partition(scores, len(scores) - k)[len(scores) - k])


def _find(docs: np.ndarray, slots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each of the ascending slots would lie in a sorted postings list, and whether the list holds it."""
    found = np.minimum(np.searchsorted(docs, slots), len(docs) - 1)
    return found, docs[found] == slots


class _MaxScore:
    """The chunks that could be among one question's `k` best, found without reading every posting (MaxScore).

    Terms are taken from the highest score bound down. The bar is a lower bound of the k-th best full score: the
    k-th best of the full scores of the chunks with the best partial scores so far. While the bounds of the terms
    left could lift a chunk holding none of the terms read to the bar, the next term is read whole. Then only the
    chunks read whose partial score plus the bounds left reach the bar remain, and each term left adds its
    contribution to them (looked up when they are fewer than its postings, else read whole), narrowing them as the
    bounds left shrink. Partial scores are float32 sums in this order, so they only bound, with room for rounding.
    """

    def __init__(self, index: LexicalIndex, matched: list[_Term], k: int, avg: float, alive: np.ndarray) -> None:
        bounds = [index._bound(term, avg) for term in matched]
        ranked = sorted(range(len(matched)), key=lambda at: -bounds[at])
        self.k, self.alive = k, alive
        self.terms = [matched[at] for at in ranked]
        self.left = [math.fsum(bounds[at] for at in ranked[start:]) for start in range(len(ranked) + 1)]
        """The most a chunk can gain from the terms from that step on."""
        self.slack = _ROUNDING * (len(matched) + 10)
        """Relative room for the rounding of float32 sums of this many terms, added in another order."""
        self.partial = np.zeros(len(index.doc_ids), dtype=np.float32)
        self.bar = 0.0
        self.lengths = np.frombuffer(index.doc_len, dtype=np.int32)
        self.per_length = np.float32(index.k1 * index.b / avg)
        self.base = np.float32(index.k1 * (1 - index.b))
        self.saturation = np.float32(index.k1 + 1)

    def candidates(self) -> np.ndarray:
        """The live slots that could be among the `k` best, ascending."""
        leaders, step = np.zeros(0, np.int32), 0
        while step < len(self.terms) and self.left[step] * (1 + self.slack) >= self.bar:
            self._read(self.terms[step])
            step += 1
            leaders = _leaders(leaders, self.terms[step - 1].docs, self.partial, self.alive, self.k)
            self._raise_bar(leaders, step)
        pieces = [term.docs for term in self.terms[:step]]
        for term in self.terms[step:]:
            pieces = self._narrowed(pieces, self.left[step])
            step += 1
            if sum(len(piece) for piece in pieces) * _LOOKUP_COST < len(term.docs):
                pieces = [self._merged(pieces)]
                self.partial[pieces[0]] += self._looked_up(term, pieces[0])
            else:
                self._read(term)
        return self._merged(self._narrowed(pieces, 0.0))

    def _narrowed(self, pieces: list[np.ndarray], left: float) -> list[np.ndarray]:
        """The slots of each piece whose partial score, with `left` to come, could still reach the bar."""
        floor = self._floor(left)
        return [piece[self.partial[piece] >= floor] for piece in pieces]

    def _merged(self, pieces: list[np.ndarray]) -> np.ndarray:
        """The distinct live slots of the pieces, ascending."""
        slots = _distinct(np.concatenate(pieces))
        return slots[self.alive[slots] > 0]

    def _floor(self, left: float) -> float:
        """The lowest partial score that, with `left` to come, could still reach the bar."""
        return self.bar * (1 - self.slack) - left

    def _read(self, term: _Term) -> None:
        """Add the term's contribution to every chunk holding it."""
        np.add.at(self.partial, term.docs, self._estimate(term, term.freqs, term.docs))

    def _looked_up(self, term: _Term, slots: np.ndarray) -> np.ndarray:
        """The term's contribution to each chunk at `slots` (ascending), 0 where it is not held."""
        return _at_slots(term, slots, self._estimate, np.float32)

    def _estimate(self, term: _Term, freqs: np.ndarray, slots: np.ndarray) -> np.ndarray:
        """The term's BM25 contributions for chunks at `slots` holding it `freqs` times, in float32 arithmetic
        (within rounding of `LexicalIndex._contribution`, and cheaper)."""
        counts = freqs.astype(np.float32)
        norm = self.lengths[slots].astype(np.float32)
        norm *= self.per_length
        norm += self.base
        norm += counts
        np.divide(counts, norm, out=norm)
        norm *= np.float32(term.idf) * self.saturation
        return norm

    def _raise_bar(self, leaders: np.ndarray, step: int) -> None:
        """Raise the bar to the k-th best full score of the leaders, looking the terms not read up for them until the
        bar is high enough to stop reading, or could not get so high with the terms left to look up."""
        full = self.partial[leaders]
        target = self.left[step] * (1 + self.slack)
        for at in range(step, len(self.terms)):
            bar = _kth(full, self.k) * (1 - self.slack)
            if bar > target or bar + self.left[at] <= target:
                break
            full += self._looked_up(self.terms[at], leaders)
        self.bar = max(self.bar, _kth(full, self.k) * (1 - self.slack))


def _leaders(leaders: np.ndarray, docs: np.ndarray, partial: np.ndarray, alive: np.ndarray, k: int) -> np.ndarray:
    """The live slots with the `k` best partial scores (and ties), from the last ones and a posting list just added."""
    if len(leaders) >= k:
        joined = _distinct(np.concatenate([leaders, docs[partial[docs] >= np.min(partial[leaders])]]))
    else:
        joined = _distinct(np.concatenate([leaders, docs])) if len(leaders) else docs
    joined = joined[alive[joined] > 0]
    if len(joined) <= k:
        return joined
    scores = partial[joined]
    return joined[scores >= _kth(scores, k)]


def _best(slots: np.ndarray, scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The `k` best positive scores of the (live) candidate slots and their slots, best first, ties by slot."""
    keep = scores > 0
    slots, scores = slots[keep], scores[keep]
    top = np.lexsort((slots, -scores))[:k]
    return slots[top], scores[top]


def _distinct(slots: np.ndarray) -> np.ndarray:
    """The distinct values, ascending."""
    slots = np.sort(slots)
    return slots[np.concatenate(([True], slots[1:] != slots[:-1]))] if len(slots) else slots


def _holds(docs: np.ndarray, slot: int) -> bool:
    """Whether a sorted postings list holds the slot."""
    at = int(np.searchsorted(docs, slot))
    return at < len(docs) and int(docs[at]) == slot


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
    if any(name in arrays for name in _BOUNDS) and not all(name in arrays for name in _BOUNDS):
        return "its score bounds are incomplete"
    if _BOUNDS[0] in arrays:
        ends, pairs = arrays["bound_ends"], len(arrays["bound_counts"])
        if len(ends) != terms_ or len(arrays["bound_lengths"]) != pairs or (len(ends) and (
                ends[-1] != pairs or ends[0] < 0 or np.any(np.diff(ends) < 0))):
            return "its score bounds do not fit its terms"
    return None

"""FAISS vector index keyed by chunk id, persisted in one self-checking file, bound to the model that built it.

Either kind searches what it saved where it lies in the file (mapped): an exact (flat) index its vectors, an
approximate one its inverted lists; each holds in memory only the vectors added since it was saved, so a long ingest
that saves now and then holds a bounded number of them, and so does the switch from one kind to the other."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import faiss
import numpy as np

from retrieval.indexes.container import IndexFile, read_index_file, release_pages, write_index_file

FLAT, IVF = "flat", "ivf-sq8"
VECTOR_FILE = "vectors.idx"
LEGACY_FILES = ("vectors.faiss", "vectors.json")
BLOCK_ROWS = 4096
"""Vectors scored, copied or written at a time (6 MiB of 384-dimensional vectors)."""
TRAINING_ROWS = 8192
"""Most vectors the switch from an exact to an approximate index trains on: 12 MiB, and about as much again while
FAISS trains. Enough for the ~200 lists it can then have, which recall as well as more (at 100k real-model chunks,
recall@10 against exact search is 0.957, against 0.958 when trained on 100k vectors for 1,264 lists)."""
ENCODER_ROWS = 2048
"""Sample vectors the switch trains the 8-bit codes' value ranges on (FAISS copies them twice to do so); the lists'
centroids are trained on the whole sample."""
FLUSH_ROWS = 2 * BLOCK_ROWS
"""Vectors the switch adds to the approximate index between saves to the folder (3 MiB of codes)."""


@contextmanager
def _threads(count: int) -> Iterator[None]:
    """Run FAISS with `count` OpenMP threads, then restore the caller's setting.

    The OpenMP runtime is shared with PyTorch, so the setting is restored rather than left behind.
    One question is one small search: extra threads only add wake-up and barrier costs there, which
    become tens of milliseconds when the cores are busy; training uses every core.
    """
    previous = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(count)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(previous)


def default_nprobe(nlist: int) -> int:
    """Lists an IVF search visits: about 1/32 of them, at least 8 (all of them when there are few).

    At 1M chunks (2,564 lists) recall@10 against exact search is 0.965 at 40 lists, 0.967 at 80 and 160 (the 8-bit
    codes, not the lists, cap it), so 1/32 keeps the recall and halves the search.
    """
    return int(min(nlist, max(8, nlist // 32)))


class ModelMismatch(Exception):
    """The stored index was built by another embedding model; the user must re-index."""


class _SavedIds:
    """The chunk ids an index file holds and which of them are still wanted (removed since the save: not)."""

    def __init__(self, ids: np.ndarray) -> None:
        self.ids = ids
        self.alive = np.ones(len(ids), dtype=bool)
        self.count = len(ids)

    def remove(self, ids: np.ndarray) -> int:
        """Stop returning these chunk ids; returns how many were held."""
        if not self.count or not len(ids):
            return 0
        hit = np.isin(self.ids, ids) & self.alive
        self.alive &= ~hit
        removed = int(hit.sum())
        self.count -= removed
        return removed

    def live_ids(self) -> np.ndarray:
        """The chunk ids not removed since the save."""
        return self.ids[self.alive]


class SavedVectors(_SavedIds):
    """The vectors of a flat index file, mapped from it, with their chunk ids (row by row)."""

    def __init__(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        super().__init__(ids)
        self.vectors = vectors

    def search(self, query: np.ndarray, k: int, nprobe: int) -> tuple[np.ndarray, np.ndarray]:
        """The `k` best chunk ids and inner products, best first (FAISS's exact search over the mapped vectors, so
        `nprobe` does not apply, asking for as many more as were removed since the save, which are then dropped)."""
        removed = len(self.ids) - self.count
        scores, rows = faiss.knn(query.reshape(1, -1), self.vectors, min(len(self.ids), k + removed),
                                 metric=faiss.METRIC_INNER_PRODUCT)
        rows, scores = rows[0], scores[0]
        keep = (rows >= 0) & self.alive[np.maximum(rows, 0)]
        return self.ids[rows[keep]][:k], scores[keep][:k]

    def blocks(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """The wanted (ids, vectors), `BLOCK_ROWS` at a time, as views of the file where a block has no removed
        vector; the file's pages are let go after each block, so a pass over the whole file costs no resident
        memory (a block must be used before the next is asked for)."""
        for start in range(0, len(self.ids), BLOCK_ROWS):
            keep = self.alive[start : start + BLOCK_ROWS]
            ids, vectors = self.ids[start : start + BLOCK_ROWS], self.vectors[start : start + BLOCK_ROWS]
            if not keep.all():
                ids, vectors = ids[keep], vectors[keep]
            if len(ids):
                yield ids, vectors
            release_pages(self.vectors)


class SavedLists(_SavedIds):
    """The inverted lists of an approximate index file, searched by FAISS where they lie in the file (mapped read
    only: a question loads the pages of the lists it visits), with the chunk ids they hold (sorted)."""

    def __init__(self, index: faiss.IndexIVF, lists: faiss.OnDiskInvertedLists, mapped: np.ndarray,
                 starts: np.ndarray, sizes: np.ndarray, ids: np.ndarray) -> None:
        super().__init__(ids)
        self.index, self.lists = index, lists  # the index does not own its lists: they live as long as this
        self.mapped, self.starts, self.sizes = mapped, starts, sizes
        self.removed = np.zeros(0, np.int64)
        self.skip: faiss.IDSelector | None = None
        """Passes every id but those removed (FAISS keeps the inner batch selector alive)."""

    def remove(self, ids: np.ndarray) -> int:
        """Stop returning these chunk ids (the search skips them); returns how many were held."""
        removed = super().remove(ids)
        if removed:
            self.removed = self.ids[~self.alive]
            self.skip = faiss.IDSelectorNot(faiss.IDSelectorBatch(self.removed))
        return removed

    def search(self, query: np.ndarray, k: int, nprobe: int) -> tuple[np.ndarray, np.ndarray]:
        """The `k` best chunk ids and inner products in the `nprobe` lists nearest the query, best first."""
        params = faiss.SearchParametersIVF(nprobe=nprobe, sel=self.skip) if self.skip is not None else \
            faiss.SearchParametersIVF(nprobe=nprobe)
        scores, ids = self.index.search(query.reshape(1, -1), min(k, self.count), params=params)
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]

    def entries(self, list_no: int) -> tuple[np.ndarray, np.ndarray]:
        """One list's wanted codes and chunk ids, as views of the file where none was removed."""
        start, size, width = int(self.starts[list_no]), int(self.sizes[list_no]), self.index.code_size
        codes = self.mapped[start : start + size * width].reshape(size, width)
        ids = self.mapped[start + size * width : start + size * (width + 8)].view("<i8")
        if len(self.removed):
            keep = ~np.isin(ids, self.removed)
            codes, ids = codes[keep], ids[keep]
        return codes, ids


def _no_saved_vectors(dim: int) -> SavedVectors:
    """No vectors from a file: an index never saved, or one FAISS wrote (held in memory whole)."""
    return SavedVectors(np.zeros(0, np.int64), np.zeros((0, dim), np.float32))


class VectorIndex:
    """Inner-product search over normalised vectors whose FAISS ids are chunk ids.

    `index` holds what is in memory, the vectors added since the index was last saved or loaded, the others being
    `saved` (mapped from the file); an approximate index's `index` also owns its training (centroids and value
    ranges), which its saved lists share.
    """

    def __init__(self, dim: int, model: str, kind: str = FLAT, index: faiss.Index | None = None) -> None:
        self.dim, self.model, self.kind = dim, model, kind
        self.index = index if index is not None else _flat(dim)
        self.saved: SavedVectors | SavedLists = _no_saved_vectors(dim)
        self.nprobe = 32

    @classmethod
    def approximate(cls, dim: int, model: str, training: np.ndarray, expected: int | None = None,
                    encoder_rows: int | None = None) -> VectorIndex:
        """An IVF index with 8-bit scalar quantisation (deletable, ~4x smaller than flat), trained on a sample:
        the lists' centroids on all of it, the codes' value ranges on an even `encoder_rows` of it (default: all;
        at 1M chunks, 2,048 of a 100k sample cost 0.005 of recall@10).

        The number of lists grows with the square root of the `expected` size (default: the sample's),
        capped so every list gets at least 39 training vectors; nprobe scans about 1/32 of the lists.
        """
        expected = max(expected or 0, len(training))
        nlist = int(min(65536, max(1, 4 * np.sqrt(expected)), max(1, len(training) // 39)))
        quantizer = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFScalarQuantizer(quantizer, dim, nlist, faiss.ScalarQuantizer.QT_8bit,
                                              faiss.METRIC_INNER_PRODUCT)
        training = np.ascontiguousarray(training, dtype=np.float32)
        step = max(1, len(training) // max(1, encoder_rows or len(training)))
        with _threads(os.cpu_count() or 1):
            faiss.Clustering(dim, nlist, index.cp).train(training, quantizer)
            index.train(np.ascontiguousarray(training[::step]))
        built = cls(dim, model, IVF, index)
        built.nprobe = default_nprobe(nlist)
        return built

    def approximated(self, folder: Path | None = None) -> VectorIndex:
        """This (exact) index's vectors and ids in a new approximate index, trained on an even sample of at most
        `TRAINING_ROWS` of them; given a folder, the new index is saved there every `FLUSH_ROWS` vectors added, so
        the switch holds in memory the sample, then a bounded part of the new index, never all of it."""
        built = VectorIndex.approximate(self.dim, self.model, self._sample(TRAINING_ROWS), expected=len(self),
                                        encoder_rows=ENCODER_ROWS)
        for ids, vectors in self.blocks():
            built.add(ids, vectors)
            if folder is not None and built.index.ntotal >= FLUSH_ROWS:
                built.save(folder)
        return built

    def _sample(self, size: int) -> np.ndarray:
        """An even sample of about `size` of this exact index's vectors (all of them when it holds fewer)."""
        step = max(1, -(-len(self) // size))
        sample = np.empty((-(-len(self) // step), self.dim), np.float32)
        seen = 0
        for _, vectors in self.blocks():
            taken = vectors[(-seen) % step :: step]
            sample[-(-seen // step) :][: len(taken)] = taken
            seen += len(vectors)
        return sample

    def blocks(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """An exact index's (ids, vectors), saved then added, a block at a time; an added block is a view of the
        index's memory, valid until the index changes."""
        yield from self.saved.blocks()
        added = int(self.index.ntotal)
        if added:
            ids = self._added_ids()
            vectors = faiss.rev_swig_ptr(faiss.downcast_index(self.index.index).get_xb(), added * self.dim)
            vectors = vectors.reshape(added, self.dim)
            for start in range(0, added, BLOCK_ROWS):
                yield ids[start : start + BLOCK_ROWS], vectors[start : start + BLOCK_ROWS]

    def _added_ids(self) -> np.ndarray:
        """The chunk ids of an exact index's vectors held in memory."""
        return faiss.vector_to_array(self.index.id_map).astype(np.int64)

    def __len__(self) -> int:
        return int(self.index.ntotal) + self.saved.count

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors under the given chunk ids."""
        if len(ids):
            self.index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64))

    def remove(self, ids) -> int:
        """Remove chunk ids; returns how many were present."""
        ids = np.asarray(list(ids), dtype=np.int64)
        if not len(ids):
            return 0
        return int(self.index.remove_ids(faiss.IDSelectorBatch(ids))) + self.saved.remove(ids)

    def search(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The `k` nearest chunk ids and their cosine scores, best first."""
        if len(self) == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        params = faiss.SearchParametersIVF(nprobe=self.nprobe) if self.kind == IVF else None
        query = np.asarray(vector, np.float32).reshape(1, -1)
        ids, scores = np.zeros(0, np.int64), np.zeros(0, np.float32)
        with _threads(1):
            if self.index.ntotal:
                scores, ids = self.index.search(query, min(k, int(self.index.ntotal)), params=params)
                keep = ids[0] >= 0
                ids, scores = ids[0][keep], scores[0][keep]
            if not self.saved.count:
                return ids, scores
            saved_ids, saved_scores = self.saved.search(query, k, self.nprobe)
        ids, scores = np.concatenate([saved_ids, ids]), np.concatenate([saved_scores, scores])
        best = np.argsort(-scores, kind="stable")[:k]
        return ids[best], scores[best]

    def ids(self) -> np.ndarray:
        """Every chunk id in the index."""
        if self.kind == FLAT:
            return np.concatenate([self.saved.live_ids(), self._added_ids()])
        added = [ids for list_no in range(self.index.nlist if self.index.ntotal else 0)
                 if len(ids := self._added_entries(list_no)[1])]
        return np.concatenate([self.saved.live_ids(), *added]).astype(np.int64)

    def _added_entries(self, list_no: int) -> tuple[np.ndarray, np.ndarray]:
        """The codes and chunk ids an approximate index holds in memory in one list (views of that memory)."""
        lists = self.index.invlists
        size, width = lists.list_size(list_no), lists.code_size
        if not size:
            return np.zeros((0, width), np.uint8), np.zeros(0, np.int64)
        codes = faiss.rev_swig_ptr(lists.get_codes(list_no), size * width).reshape(size, width)
        return codes, faiss.rev_swig_ptr(lists.get_ids(list_no), size)

    def save(self, folder: Path) -> None:
        """Persist index and metadata in one self-checking file, committed by one rename, then search what was saved
        from that file (mapped): an exact index as plain arrays of ids and vectors; an approximate one as its
        inverted lists (each list's codes, then its ids), their sizes, its sorted ids, and its training as FAISS
        writes an empty index."""
        meta = {"model": self.model, "dim": self.dim, "kind": self.kind, "count": len(self), "nprobe": self.nprobe}
        if self.kind != FLAT:
            self._save_lists(folder, meta)
            return
        ids = self.ids()
        stored = write_index_file(folder / VECTOR_FILE, "vectors", meta, [
            ("ids", lambda put: put(ids)),
            ("vectors", self._write_vectors)])
        self.saved, self.index = _saved_flat(stored, len(ids), self.dim), _flat(self.dim)

    def _save_lists(self, folder: Path, meta: dict) -> None:
        """Write an approximate index's lists, saved then added, a list at a time; then map them and empty memory."""
        sizes = np.zeros(self.index.nlist, np.int64)
        stored = write_index_file(folder / VECTOR_FILE, "vectors", meta, [
            ("lists", lambda put: self._write_lists(put, sizes)),
            ("sizes", lambda put: put(sizes)),
            ("ids", lambda put: put(np.sort(self.ids()))),
            ("faiss", lambda put: faiss.write_index(_sharing(self.index), faiss.PyCallbackIOWriter(put)))])
        _empty_lists(self.index)
        self.saved = _saved_lists(stored, self.index)

    def _write_lists(self, put: Callable[[np.ndarray], int], sizes: np.ndarray) -> None:
        """Each list's codes then its chunk ids, those saved and not removed first; fills in `sizes`."""
        saved = self.saved if isinstance(self.saved, SavedLists) else None
        unreleased = 0
        for list_no in range(self.index.nlist):
            parts = [saved.entries(list_no)] if saved is not None else []
            parts.append(self._added_entries(list_no))
            for codes, _ in parts:
                put(np.ascontiguousarray(codes))
            for _, list_ids in parts:
                put(np.ascontiguousarray(list_ids, np.int64))
            sizes[list_no] = sum(len(list_ids) for _, list_ids in parts)
            unreleased += sizes[list_no]
            if saved is not None and unreleased >= BLOCK_ROWS:
                release_pages(saved.mapped)
                unreleased = 0

    def _write_vectors(self, put: Callable[[np.ndarray], int]) -> None:
        """An exact index's vectors end to end, a block at a time."""
        for _, vectors in self.blocks():
            put(vectors)

    @classmethod
    def load(cls, folder: Path, model: str, dim: int) -> VectorIndex | None:
        """The saved index, or None if absent; ModelMismatch if another model built it; DamagedIndex if unsound."""
        stored = read_index_file(folder / VECTOR_FILE, "vectors")
        if stored is None:
            return None
        meta = stored.meta
        if meta.get("model") != model:
            raise ModelMismatch(
                f"the index was built with {meta.get('model')!r} but EMBEDDING_MODEL is {model!r}; "
                "run `tanya reindex` to rebuild it with the new model"
            )
        if meta.get("kind") == FLAT and "vectors" in stored.sections:
            loaded = cls(dim, model, FLAT)
            if not (meta.get("dim") == dim and type(meta.get("count")) is int):
                raise stored.damaged(f"its metadata says {meta.get('count')} vectors of {meta.get('dim')} dimensions, "
                                     f"the model gives {dim}")
            loaded.saved = _saved_flat(stored, meta["count"], dim)
            return loaded
        try:
            with stored.reader("faiss") as read:
                index = faiss.read_index(faiss.PyCallbackIOReader(read))
        except RuntimeError as error:
            raise stored.damaged(f"FAISS cannot read it ({str(error).splitlines()[0][:200]})") from None
        kind = meta.get("kind")
        expected = {FLAT: faiss.IndexIDMap2, IVF: faiss.IndexIVFScalarQuantizer}.get(kind)
        if expected is None or not isinstance(index, expected):
            raise stored.damaged(f"its metadata says {kind!r} but it holds a {type(index).__name__}")
        loaded = cls(dim, model, kind, index)
        if kind == IVF and "lists" in stored.sections:
            loaded.saved = _saved_lists(stored, index)
        if not (index.d == meta.get("dim") == dim) or len(loaded) != meta.get("count"):
            raise stored.damaged(f"it holds {len(loaded)} vectors of {index.d} dimensions; its metadata says "
                                 f"{meta.get('count')} of {meta.get('dim')}, the model gives {dim}")
        nprobe = meta.get("nprobe", 32)
        loaded.nprobe = nprobe if type(nprobe) is int and nprobe > 0 else 32
        return loaded


def _flat(dim: int) -> faiss.Index:
    """An empty exact index keyed by chunk id."""
    return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))


def _sharing(index: faiss.IndexIVFScalarQuantizer) -> faiss.IndexIVFScalarQuantizer:
    """An empty approximate index with `index`'s training: its quantizer (shared: `index` must outlive it) and
    value ranges."""
    shell = faiss.IndexIVFScalarQuantizer(index.quantizer, index.d, index.nlist, index.sq.qtype, index.metric_type,
                                          index.by_residual)
    shell.sq = index.sq
    shell.is_trained = True
    return shell


def _empty_lists(index: faiss.IndexIVF) -> None:
    """Give an approximate index new, empty inverted lists, freeing the old ones (FAISS's reset keeps their memory)."""
    lists = faiss.ArrayInvertedLists(index.nlist, index.code_size)
    lists.this.disown()
    index.replace_invlists(lists, True)
    index.ntotal = 0


def _saved_lists(stored: IndexFile, trained: faiss.IndexIVFScalarQuantizer) -> SavedLists:
    """The inverted lists of an approximate index file, mapped read only for FAISS to search with `trained`'s
    training (the file's lists section holds each list's codes then its ids, back to back)."""
    sizes, ids = stored.array("sizes", "<i8"), stored.array("ids", "<i8")
    offset, length = stored.sections["lists"]
    width, nlist = trained.code_size, trained.nlist
    if len(sizes) != nlist or (sizes < 0).any() or len(ids) != sizes.sum() or length != sizes.sum() * (width + 8) \
            or trained.ntotal:
        raise stored.damaged(f"its lists hold {sizes.sum()} entries of {len(sizes)} lists in {length} bytes, with "
                             f"{len(ids)} ids; its training says {nlist} lists of {width}-byte codes")
    starts = np.concatenate([[0], np.cumsum(sizes * (width + 8))[:-1]]).astype(np.int64)
    lists = faiss.OnDiskInvertedLists(nlist, width, str(stored.path))
    lists.read_only, lists.prefetch_nthread, lists.totsize = True, 0, offset + length
    entries = faiss.OnDiskOneListVector()
    for start, size in zip((starts + offset).tolist(), sizes.tolist()):
        entry = faiss.OnDiskOneList()
        entry.size, entry.capacity, entry.offset = size, size, start
        entries.push_back(entry)
    lists.lists = entries
    lists.do_mmap()
    index = _sharing(trained)
    index.replace_invlists(lists, False)
    index.ntotal = len(ids)
    return SavedLists(index, lists, stored.mapped("lists", "u1"), starts, sizes, ids)


def _saved_flat(stored: IndexFile, count: int, dim: int) -> SavedVectors:
    """The ids and (mapped) vectors of a flat index file holding `count` vectors of `dim` dimensions."""
    ids, vectors = stored.array("ids", "<i8"), stored.mapped("vectors", "<f4")
    if len(ids) != count or len(vectors) != count * dim:
        raise stored.damaged(f"it holds {len(ids)} ids and {len(vectors)} values; its metadata says {count} vectors "
                             f"of {dim} dimensions")
    return SavedVectors(ids, vectors.reshape(count, dim))

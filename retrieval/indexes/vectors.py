"""FAISS vector index keyed by chunk id, persisted atomically, bound to the model that built it."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import faiss
import numpy as np

FLAT, IVF = "flat", "ivf-sq8"


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
    """Lists an IVF search visits: about 1/16 of them, at least 8 (all of them when there are few)."""
    return int(min(nlist, max(8, nlist // 16)))


class ModelMismatch(Exception):
    """The stored index was built by another embedding model; the user must re-index."""


def _atomic_write(path: Path, write) -> None:
    """Write through a temporary file in the same folder, then rename over the target."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    write(tmp)
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, path)


class VectorIndex:
    """Inner-product search over normalised vectors whose FAISS ids are chunk ids."""

    def __init__(self, dim: int, model: str, kind: str = FLAT, index: faiss.Index | None = None) -> None:
        self.dim, self.model, self.kind = dim, model, kind
        self.index = index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        self.nprobe = 32

    @classmethod
    def approximate(cls, dim: int, model: str, training: np.ndarray, expected: int | None = None) -> VectorIndex:
        """An IVF index with 8-bit scalar quantisation (deletable, ~4x smaller than flat), trained on a sample.

        The number of lists grows with the square root of the `expected` size (default: the sample's),
        capped so every list gets at least 39 training vectors; nprobe scans about 1/16 of the lists.
        """
        expected = max(expected or 0, len(training))
        nlist = int(min(65536, max(1, 4 * np.sqrt(expected)), max(1, len(training) // 39)))
        quantizer = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFScalarQuantizer(quantizer, dim, nlist, faiss.ScalarQuantizer.QT_8bit,
                                              faiss.METRIC_INNER_PRODUCT)
        with _threads(os.cpu_count() or 1):
            index.train(np.ascontiguousarray(training, dtype=np.float32))
        built = cls(dim, model, IVF, index)
        built.nprobe = default_nprobe(nlist)
        return built

    def approximated(self, sample_size: int = 100_000) -> VectorIndex:
        """This index's vectors (and ids) in a new approximate index, trained on an even sample of them."""
        ids = self.ids()
        step = max(1, len(ids) // sample_size)
        sample = self.index.reconstruct_batch(ids[::step]) if len(ids) else np.zeros((0, self.dim), np.float32)
        built = VectorIndex.approximate(self.dim, self.model, sample, expected=len(ids))
        for start in range(0, len(ids), 50_000):
            part = ids[start : start + 50_000]
            built.add(part, self.index.reconstruct_batch(part))
        return built

    def __len__(self) -> int:
        return int(self.index.ntotal)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors under the given chunk ids."""
        if len(ids):
            self.index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64))

    def remove(self, ids) -> int:
        """Remove chunk ids; returns how many were present."""
        ids = np.asarray(list(ids), dtype=np.int64)
        return int(self.index.remove_ids(faiss.IDSelectorBatch(ids))) if len(ids) else 0

    def search(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The `k` nearest chunk ids and their cosine scores, best first."""
        if len(self) == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        params = faiss.SearchParametersIVF(nprobe=self.nprobe) if self.kind == IVF else None
        with _threads(1):
            scores, ids = self.index.search(np.asarray(vector, np.float32).reshape(1, -1), min(k, len(self)), params=params)
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]

    def ids(self) -> np.ndarray:
        """Every chunk id in the index."""
        if self.kind == FLAT:
            return faiss.vector_to_array(self.index.id_map).astype(np.int64)
        invlists = faiss.extract_index_ivf(self.index).invlists
        parts = [faiss.rev_swig_ptr(invlists.get_ids(i), invlists.list_size(i)).copy()
                 for i in range(invlists.nlist) if invlists.list_size(i)]
        return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64)

    def save(self, folder: Path) -> None:
        """Persist index and metadata atomically (temporary file + rename)."""
        folder.mkdir(parents=True, exist_ok=True)
        _atomic_write(folder / "vectors.faiss", lambda p: faiss.write_index(self.index, str(p)))
        meta = {"model": self.model, "dim": self.dim, "kind": self.kind, "count": len(self), "nprobe": self.nprobe}
        _atomic_write(folder / "vectors.json", lambda p: p.write_text(json.dumps(meta)))

    @classmethod
    def load(cls, folder: Path, model: str) -> VectorIndex | None:
        """Load the saved index; None if absent or unreadable; ModelMismatch if another model built it."""
        meta_path, index_path = folder / "vectors.json", folder / "vectors.faiss"
        if not meta_path.exists() or not index_path.exists():
            return None
        try:
            meta = json.loads(meta_path.read_text())
            index = faiss.read_index(str(index_path))
        except (OSError, ValueError, RuntimeError):
            return None
        if meta.get("model") != model:
            raise ModelMismatch(
                f"the index was built with {meta.get('model')!r} but EMBEDDING_MODEL is {model!r}; "
                "run `tanya reindex` to rebuild it with the new model"
            )
        loaded = cls(int(meta["dim"]), model, meta.get("kind", FLAT), index)
        loaded.nprobe = int(meta.get("nprobe", 32))
        return loaded

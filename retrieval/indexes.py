"""Keep the vector and lexical indexes in step with the database, which is the source of truth."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import numpy as np

from retrieval.lexical_index import LexicalIndex, terms
from retrieval.vector_index import FLAT, VectorIndex
from storage.repository import Repository

log = logging.getLogger(__name__)


class Indexes:
    """The two search indexes of a library, loaded from disk and repaired against the database."""

    def __init__(self, folder: Path, repo: Repository, dim: int, model: str, approximate_from: int) -> None:
        self.folder, self.repo, self.dim, self.model = folder, repo, dim, model
        self.approximate_from = approximate_from
        self.lock = threading.RLock()
        self.vectors = VectorIndex.load(folder, model) or VectorIndex(dim, model)
        self.lexical = LexicalIndex.load(folder) or LexicalIndex()
        self.feed_position = self.repo.deletions_after(0)[1]
        self.dirty = False

    def add(self, ids: list[int], vectors: np.ndarray, texts: list[tuple[str, str | None]]) -> None:
        """Add freshly committed chunks to both indexes."""
        with self.lock:
            self.vectors.add(np.asarray(ids, np.int64), vectors)
            for chunk_id, (text, language) in zip(ids, texts):
                self.lexical.add(chunk_id, terms(text, language))
            self.dirty = True

    def remove(self, ids: list[int]) -> None:
        """Drop deleted chunks from both indexes."""
        with self.lock:
            self.vectors.remove(ids)
            self.lexical.remove(ids)
            self.dirty = True

    def save(self) -> None:
        """Persist both indexes if they changed."""
        with self.lock:
            if self.dirty:
                self.vectors.save(self.folder)
                self.lexical.save(self.folder)
                self.dirty = False

    def repair(self) -> str | None:
        """Make both indexes hold exactly the database's chunks; returns what was done, if anything."""
        stored = np.asarray(self.repo.chunk_ids(), dtype=np.int64)
        with self.lock:
            notes = [self._repair_vectors(stored), self._repair_lexical(stored)]
        done = "; ".join(n for n in notes if n)
        if done:
            log.warning("index repair: %s", done)
            self.save()
        return done or None

    def _repair_vectors(self, stored: np.ndarray) -> str:
        indexed = self.vectors.ids()
        extra = np.setdiff1d(indexed, stored)
        missing = np.setdiff1d(stored, indexed)
        self.vectors.remove(extra)
        added = self._add_stored_vectors(missing)
        if len(extra) or added:
            self.dirty = True
            return f"vector index: added {added} missing chunks, removed {len(extra)} without a chunk"
        return ""

    def _add_stored_vectors(self, ids: np.ndarray) -> int:
        """Load embeddings of `ids` from the database into the vector index; returns how many."""
        added = 0
        for rows in self.repo.iter_embeddings([int(i) for i in ids]):
            usable = [(cid, blob) for cid, blob, model in rows if blob is not None and model == self.model]
            if len(usable) < len(rows):
                raise StaleEmbeddings(f"{len(rows) - len(usable)} chunks have no embedding from {self.model}")
            if usable:
                self.vectors.add(np.asarray([u[0] for u in usable], np.int64),
                                 np.stack([np.frombuffer(u[1], np.float32) for u in usable]))
                added += len(usable)
        return added

    def _repair_lexical(self, stored: np.ndarray) -> str:
        indexed = self.lexical.ids()
        extra = np.setdiff1d(indexed, stored)
        missing = np.setdiff1d(stored, indexed)
        self.lexical.remove(extra.tolist())
        for rows in self.repo.iter_chunk_texts([int(i) for i in missing]):
            for chunk_id, text, _title, language in rows:
                self.lexical.add(chunk_id, terms(text, language))
        if len(extra) or len(missing):
            self.dirty = True
            return f"lexical index: added {len(missing)} missing chunks, removed {len(extra)} without a chunk"
        return ""

    def rebuild(self, approximate: bool | None = None) -> int:
        """Rebuild both indexes from the stored chunks and vectors; returns the number of chunks."""
        total = self.repo.counts()["chunks"]
        use_ivf = total >= self.approximate_from if approximate is None else approximate
        with self.lock:
            if use_ivf and total:
                self.vectors = VectorIndex.approximate(self.dim, self.model, self._training_sample(total))
            else:
                self.vectors = VectorIndex(self.dim, self.model, FLAT)
            self._add_stored_vectors(np.asarray(self.repo.chunk_ids(), np.int64))
            self.lexical = LexicalIndex()
            self._repair_lexical(np.asarray(self.repo.chunk_ids(), np.int64))
            self.dirty = True
        self.save()
        return total

    def _training_sample(self, total: int, size: int = 100_000) -> np.ndarray:
        """Up to `size` stored vectors, spread over the library, to train an approximate index."""
        step = max(1, total // size)
        sample = []
        for rows in self.repo.iter_embeddings():
            sample.extend(np.frombuffer(blob, np.float32) for _, blob, _ in rows[::step] if blob is not None)
        return np.stack(sample) if sample else np.zeros((0, self.dim), np.float32)

    def catch_up(self) -> int:
        """Apply changes other processes made to the shared database since we last looked."""
        deleted, self.feed_position = self.repo.deletions_after(self.feed_position)
        if deleted:
            self.remove(deleted)
        with self.lock:
            top = int(self.vectors.ids().max()) if len(self.vectors) else 0
        new = self.repo.chunk_ids(above=top)
        if new:
            with self.lock:
                self._add_stored_vectors(np.asarray(new, np.int64))
                for rows in self.repo.iter_chunk_texts(new):
                    for chunk_id, text, _title, language in rows:
                        self.lexical.add(chunk_id, terms(text, language))
                self.dirty = True
        return len(deleted) + len(new)


class StaleEmbeddings(Exception):
    """Stored chunks lack vectors from the current model, so the index cannot be rebuilt without re-embedding."""

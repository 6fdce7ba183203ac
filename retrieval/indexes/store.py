"""Keep the vector and lexical indexes in step with the database, which is the source of truth."""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import numpy as np

from retrieval.indexes import lexical, vectors
from retrieval.indexes.container import DamagedIndex, remove_leftovers, set_aside
from retrieval.indexes.heap import release_free_memory
from retrieval.indexes.lexical import LexicalIndex, terms
from retrieval.indexes.vectors import FLAT, VectorIndex
from storage.repository import ID_DIGEST_MODULUS, Repository, StoredEmbedding

log = logging.getLogger(__name__)
Loaded = TypeVar("Loaded")
Embed = Callable[[Sequence[str]], np.ndarray]
_claims: dict[Path, list[int]] = {}
_claims_lock = threading.Lock()


def passage_text(title: str, text: str) -> str:
    """The text a chunk is embedded and indexed under: its article title travels with it."""
    return f"{title}. {text}" if title else text


def claim_index_folder(base: Path) -> Path:
    """This process's index folder: `base` or `base-1`, `base-2`... whichever no other live process holds."""
    with _claims_lock:
        for number in range(10_000):
            folder = base if number == 0 else base.with_name(f"{base.name}-{number}")
            key = folder.resolve()
            if key in _claims:
                _claims[key][1] += 1
                return folder
            folder.mkdir(parents=True, exist_ok=True)
            handle = os.open(folder / ".owner.lock", os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(handle)
                continue
            _claims[key] = [handle, 1]
            return folder
    raise RuntimeError(f"no free index folder next to {base}")


def release_index_folder(folder: Path) -> None:
    """Give the folder back once the last library of this process using it closes."""
    with _claims_lock:
        claim = _claims.get(folder.resolve())
        if claim is not None:
            claim[1] -= 1
            if claim[1] <= 0:
                os.close(claim[0])
                del _claims[folder.resolve()]


class Indexes:
    """The two search indexes of a library, loaded from disk and repaired against the database.

    An index file that cannot be used is set aside and its index rebuilt from the database; `embed` (passage texts
    to vectors) re-embeds a chunk whose stored vector fails its checksum (without it such a chunk counts as lacking).
    """

    save_every = 4096
    """Chunks added since the last save at which a bulk ingest saves: both indexes hold in memory only what was
    added since their files were written (about 2.3 KB a chunk), so this bounds their memory however large the
    library grows; each save rewrites both files."""

    def __init__(self, folder: Path, repo: Repository, dim: int, model: str, approximate_from: int,
                 embed: Embed | None = None) -> None:
        self.folder, self.repo, self.dim, self.model = folder, repo, dim, model
        self.approximate_from, self.embed = approximate_from, embed
        self.lock = threading.RLock()
        folder.mkdir(parents=True, exist_ok=True)
        remove_leftovers(folder, vectors.LEGACY_FILES + lexical.LEGACY_FILES)
        self.vectors = _usable_or_none(lambda: VectorIndex.load(folder, model, dim)) or VectorIndex(dim, model)
        self.lexical = _usable_or_none(lambda: LexicalIndex.load(folder)) or LexicalIndex()
        self.change_position = self.repo.change_position()
        self.sync_lock = threading.Lock()
        self.dirty = False
        self.unsaved = 0

    def add(self, ids: list[int], vectors: np.ndarray, texts: list[tuple[str, str | None]]) -> None:
        """Add freshly committed chunks to both indexes, skipping any that catch_up already added."""
        with self.lock:
            keep = [n for n, chunk_id in enumerate(ids) if chunk_id not in self.lexical.slot]
            self.vectors.add(np.asarray([ids[n] for n in keep], np.int64), np.asarray(vectors)[keep])
            for n in keep:
                self.lexical.add(ids[n], terms(*texts[n]))
            self.dirty = True
            self.unsaved += len(keep)
            self.grow()

    def remove(self, ids: list[int]) -> None:
        """Drop deleted chunks from both indexes."""
        with self.lock:
            self.vectors.remove(ids)
            self.lexical.remove(ids)
            self.dirty = True

    def save(self) -> None:
        """Persist both indexes if they changed, then give the memory their in-memory parts held back to the system
        (without that, the C allocator keeps it, and a long ingest's resident memory grows with every save)."""
        with self.lock:
            if self.dirty:
                self.vectors.save(self.folder)
                self.lexical.save(self.folder)
                self.dirty = False
                self.unsaved = 0
                release_free_memory()

    def repair(self) -> str | None:
        """Make both indexes hold exactly the database's chunks; returns what was done, if anything."""
        if self._in_step():
            return None
        stored = np.asarray(self.repo.chunk_ids(), dtype=np.int64)
        with self.lock:
            notes = [self._repair_vectors(stored), self._repair_lexical(stored)]
        done = "; ".join(n for n in notes if n)
        if done:
            log.warning("index repair: %s", done)
            self.grow()
            self.save()
        return done or None

    def _in_step(self) -> bool:
        """Cheap start-up check: both indexes hold ids with the same digest as the database's chunk ids.

        The digest (count, maximum, sum, sum of squares mod a prime) comes from the primary key, so a
        large library is not read row by row when nothing needs repair.
        """
        stored = self.repo.chunk_id_digest()
        with self.lock:
            held = [self.vectors.ids(), self.lexical.ids()]
        return all(_digest(ids) == stored for ids in held)

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

    def _add_stored_vectors(self, ids: np.ndarray | None = None) -> int:
        """Load the stored embeddings of `ids` (of every chunk when None) into the vector index; returns how many."""
        added = 0
        for rows in self.repo.iter_embeddings(None if ids is None else [int(i) for i in ids]):
            usable = self._usable(rows)
            if len(usable) < len(rows):
                raise StaleEmbeddings(f"{len(rows) - len(usable)} chunks have no embedding from {self.model}")
            if usable:
                self.vectors.add(np.fromiter(usable, np.int64, len(usable)), np.stack(list(usable.values())))
                added += len(usable)
        return added

    def _usable(self, rows: list[StoredEmbedding]) -> dict[int, np.ndarray]:
        """The vectors of stored embedding rows that hold one of this index's model, by chunk id; a vector that
        fails its checksum is re-embedded from the chunk's text (and stored again) rather than searched."""
        ours = [row for row in rows if row.embedding is not None and row.model == self.model]
        fixed = self._re_embed([row.chunk_id for row in ours if not row.intact])
        return {row.chunk_id: np.frombuffer(row.embedding, np.float32) if row.intact else fixed[row.chunk_id]
                for row in ours if row.intact or row.chunk_id in fixed}

    def _re_embed(self, ids: list[int]) -> dict[int, np.ndarray]:
        """New vectors, by chunk id, for chunks whose stored vector is damaged, written back with their checksums."""
        if not ids or self.embed is None:
            return {}
        rows = [row for batch in self.repo.iter_chunk_texts(ids) for row in batch]
        fresh = np.asarray(self.embed([passage_text(title, text) for _, text, title, _ in rows]), np.float32)
        found = {row[0]: vector for row, vector in zip(rows, fresh)}
        self.repo.set_embeddings({chunk_id: vector.tobytes() for chunk_id, vector in found.items()}, self.model)
        log.warning("%d stored vectors failed their checksum (chunks %s); re-embedded them from their text",
                    len(found), ", ".join(map(str, sorted(found)[:20])))
        return found

    def _repair_lexical(self, stored: np.ndarray) -> str:
        indexed = self.lexical.ids()
        extra = np.setdiff1d(indexed, stored)
        missing = np.setdiff1d(stored, indexed)
        self.lexical.remove(extra.tolist())
        for rows in self.repo.iter_chunk_texts([int(i) for i in missing]):
            for chunk_id, text, title, language in rows:
                self.lexical.add(chunk_id, terms(passage_text(title, text), language))
        if len(extra) or len(missing):
            self.dirty = True
            return f"lexical index: added {len(missing)} missing chunks, removed {len(extra)} without a chunk"
        return ""

    def rebuild(self, approximate: bool | None = None) -> int:
        """Rebuild both indexes from the stored chunks and vectors (approximate from the size threshold); returns the chunk count."""
        total = self.repo.counts()["chunks"]
        use_ivf = total >= self.approximate_from if approximate is None else approximate
        with self.lock:
            if use_ivf and total:
                self.vectors = VectorIndex.approximate(self.dim, self.model, self._training_sample(total), expected=total)
            else:
                self.vectors = VectorIndex(self.dim, self.model, FLAT)
            self._add_stored_vectors()
            self.lexical = LexicalIndex()
            self._repair_lexical(self.vectors.ids())
            self.dirty = True
        self.save()
        return total

    def _training_sample(self, total: int, size: int = 100_000) -> np.ndarray:
        """Up to about `size` stored vectors, evenly spread over the library, to train an approximate index."""
        step = max(1, total // size)
        blobs = [row.embedding for rows in self.repo.iter_embeddings() for row in rows[::step]
                 if row.embedding is not None and row.intact]
        if not blobs:
            return np.zeros((0, self.dim), np.float32)
        return np.frombuffer(b"".join(blobs), np.float32).reshape(len(blobs), self.dim)

    def grow(self) -> None:
        """Switch an exact index that has grown past the approximate-index threshold to an approximate one, saving
        first: the switch then reads every vector from the file and starts with nothing unsaved in memory."""
        with self.lock:
            if self.vectors.kind == FLAT and len(self.vectors) >= max(1, self.approximate_from):
                log.info("vector index reached %d chunks: switching to an approximate index", len(self.vectors))
                self.save()
                self.vectors = self.vectors.approximated(self.folder)
                self.dirty = True
                release_free_memory()

    def catch_up(self, batch: int = 5000) -> int:
        """Apply what any process committed to the database since the last look; returns chunks added or removed."""
        with self.sync_lock:
            oldest = self.repo.oldest_change_position()
            if oldest is not None and oldest > self.change_position + 1:
                return self._resync()
            applied = 0
            while True:
                changes, position = self.repo.changes_after(self.change_position, batch)
                applied += self._apply_changes(changes)
                self.change_position = position
                if len(changes) < batch:
                    return applied

    def _resync(self) -> int:
        """Behind a pruned feed: reconcile with the database's chunks directly, then follow the feed from its head."""
        position = self.repo.change_position()
        with self.lock:
            before = set(self.lexical.ids().tolist())
        self.repair()
        self.change_position = position
        with self.lock:
            return len(before ^ set(self.lexical.ids().tolist()))

    def _apply_changes(self, changes: list[tuple[int, bool]]) -> int:
        """Give each chunk the feed's last word: removed if deleted, added if not yet indexed."""
        final = dict(changes)
        gone = [chunk_id for chunk_id, deleted in final.items() if deleted]
        wanted = [chunk_id for chunk_id, deleted in final.items() if not deleted and chunk_id not in self.lexical.slot]
        removed = 0
        if gone:
            with self.lock:
                removed = max(self.vectors.remove(gone), self.lexical.remove(gone))
                self.dirty = self.dirty or removed > 0
        if not wanted:
            return removed
        vectors = self.stored_vectors(wanted)
        texts = [(chunk_id, terms(passage_text(title, text), language))
                 for rows in self.repo.iter_chunk_texts(wanted) for chunk_id, text, title, language in rows]
        with self.lock:
            fresh = [(chunk_id, tokens) for chunk_id, tokens in texts if chunk_id not in self.lexical.slot]
            usable = [chunk_id for chunk_id, _ in fresh if chunk_id in vectors]
            if usable:
                self.vectors.add(np.asarray(usable, np.int64), np.stack([vectors[i] for i in usable]))
            for chunk_id, tokens in fresh:
                self.lexical.add(chunk_id, tokens)
            self.dirty = self.dirty or bool(fresh)
            self.unsaved += len(fresh)
            self.grow()
        return removed + len(fresh)

    def stored_vectors(self, ids: list[int]) -> dict[int, np.ndarray]:
        """Stored vectors of this model for `ids`, by chunk id; chunks without one are logged and left out."""
        found: dict[int, np.ndarray] = {}
        lacking = 0
        for rows in self.repo.iter_embeddings(ids):
            usable = self._usable(rows)
            found.update(usable)
            lacking += len(rows) - len(usable)
        if lacking:
            log.warning("%d chunks have no %s vector; run `tanya reindex`", lacking, self.model)
        return found


def _usable_or_none(load: Callable[[], Loaded | None]) -> Loaded | None:
    """What `load` read from disk; None (after setting the file aside, with a log line) when the file is damaged."""
    try:
        return load()
    except DamagedIndex as error:
        set_aside(error)
        return None


class StaleEmbeddings(Exception):
    """Stored chunks lack vectors from the current model, so the index cannot be rebuilt without re-embedding."""


def _digest(ids: np.ndarray) -> tuple[int, int, int, int]:
    """The same digest as `Repository.chunk_id_digest`, for the ids an index holds."""
    if not len(ids):
        return 0, 0, 0, 0
    residue = ids % ID_DIGEST_MODULUS
    return len(ids), int(ids.max()), int(ids.sum()), int((residue * residue).sum())

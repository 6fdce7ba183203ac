"""Sentence embeddings: the bundled multilingual-e5-small or any sentence-transformers model."""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from retrieval.e5_bundle import BUNDLED_MODEL_NAME, PROMPTS, build_bundled_model

log = logging.getLogger(__name__)
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


class Embedder:
    """Encodes queries and passages with the model's `query: ` / `passage: ` prompts, L2-normalised."""

    def __init__(self, model: str = BUNDLED_MODEL_NAME, cache_dir: Path | None = None, batch_size: int = 32,
                 vector_cache: Path | None = None) -> None:
        from sentence_transformers import SentenceTransformer

        self.name = model
        location = build_bundled_model(cache_dir or Path.home() / ".cache" / "tanya-berita") if model == BUNDLED_MODEL_NAME else model
        self.model = SentenceTransformer(str(location), device="cpu")
        self.dim = int(self.model.get_sentence_embedding_dimension())
        self.batch_size = batch_size
        self._prompts = {k: v for k, v in PROMPTS.items() if k in (self.model.prompts or {})}
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self._cache = VectorCache(vector_cache, self.name) if vector_cache else None

    def _encode(self, texts: Sequence[str], prompt: str) -> np.ndarray:
        """Encode in length-sorted batches (less padding) and return rows in the input order."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        kwargs = {"prompt_name": prompt} if prompt in self._prompts else {}
        vectors = self.model.encode([texts[i] for i in order], batch_size=self.batch_size, normalize_embeddings=True,
                                    convert_to_numpy=True, show_progress_bar=False, **kwargs)
        out = np.empty_like(vectors, dtype=np.float32)
        out[order] = vectors
        return out

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for passages, served from the on-disk cache where one is configured."""
        if self._cache is None:
            return self._encode(texts, "passage")
        found = self._cache.get_many(texts)
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            fresh = self._encode(missing, "passage")
            self._cache.put_many(zip(missing, fresh))
            found.update(zip(missing, fresh))
        return np.stack([found[t] for t in texts]).astype(np.float32) if texts else np.zeros((0, self.dim), np.float32)

    def query(self, text: str) -> np.ndarray:
        """Vector for a question; recent questions are remembered."""
        with self._lock:
            if text in self._queries:
                self._queries.move_to_end(text)
                return self._queries[text]
        vector = self._encode([text], "query")[0]
        with self._lock:
            self._queries[text] = vector
            if len(self._queries) > 1024:
                self._queries.popitem(last=False)
        return vector

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for several questions at once."""
        return self._encode(texts, "query")


class VectorCache:
    """Passage vectors on disk keyed by model and text, so repeated evaluation runs skip re-embedding."""

    def __init__(self, path: Path, model: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False)
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB)")
        self._model = model
        self._lock = threading.Lock()

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self._model}\0{text}".encode()).hexdigest()

    def get_many(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """Cached vectors of those texts that have one."""
        keys = {self._key(t): t for t in texts}
        found: dict[str, np.ndarray] = {}
        items = list(keys.items())
        with self._lock:
            for start in range(0, len(items), 500):
                part = dict(items[start : start + 500])
                marks = ",".join("?" * len(part))
                for key, blob in self._db.execute(f"SELECT key, vector FROM vectors WHERE key IN ({marks})", list(part)):
                    found[part[key]] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, pairs) -> None:
        """Store vectors for texts."""
        with self._lock:
            self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                                 [(self._key(t), np.asarray(v, np.float32).tobytes()) for t, v in pairs])
            self._db.commit()

"""A fast, deterministic stand-in embedder: hashed word features, no neural network, no memory kept.

For benchmarks of memory and storage, and for tests whose behaviour does not depend on the model (crash safety,
storage, the bot's plumbing). Texts sharing words get similar vectors, so a question still finds a passage that
repeats its words; meaning across languages is not captured, so ranking tests use the real model.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from retrieval.ingest.text import words


class HashEmbedder:
    """Feature hashing: each word adds +1 or -1 to a few dimensions chosen by its hash; the sum is normalised."""

    def __init__(self, dim: int = 384, name: str = "hash-words-384") -> None:
        self.dim, self.name = dim, name

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dim, np.float32)
        for word in words(text) or [text]:
            digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
            for byte_pair in (digest[0:2], digest[2:4], digest[4:6]):
                value = int.from_bytes(byte_pair, "little")
                vector[value % self.dim] += 1.0 if value & 0x8000 else -1.0
        norm = float(np.linalg.norm(vector))
        if norm == 0.0:
            vector[0], norm = 1.0, 1.0
        return vector / norm

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        """One vector per passage."""
        return np.stack([self._vector(t) for t in texts]) if len(texts) else np.zeros((0, self.dim), np.float32)

    def query(self, text: str) -> np.ndarray:
        """One vector for a question."""
        return self._vector(text)

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for questions."""
        return self.passages(texts)

"""The real model for tests, behind a session-wide memory of passage vectors.

Most tests store the same few articles (the user's sample, the rice post, the solar farm…), many of them once on
SQLite and once on PostgreSQL; remembering each passage's vector makes every repeat free while every vector still
comes from the real model. Questions are not remembered here: the model keeps its own memory of recent ones.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np


class RememberingEmbedder:
    """A model whose passage vectors are computed once per text and then served from memory."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.name, self.dim = inner.name, inner.dim
        self._known: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for passages, computed by the model the first time a text is seen."""
        if not texts:
            return self.inner.passages(texts)
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._known]
        if missing:
            fresh = self.inner.passages(missing)
            with self._lock:
                self._known.update(zip(missing, fresh))
        with self._lock:
            return np.stack([self._known[t] for t in texts]).astype(np.float32)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

"""What the engine needs of an embedding model, so the real one and the test and benchmark stand-ins agree."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np


class TextEmbedder(Protocol):
    """Turns questions and passages into L2-normalised float32 vectors of `dim` dimensions, under a model `name`."""

    name: str
    dim: int

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        """One row per passage."""

    def query(self, text: str) -> np.ndarray:
        """The vector of one question."""

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        """One row per question."""

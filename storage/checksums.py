"""Checksums of stored embeddings, so a vector damaged on disk is noticed before it is searched."""

from __future__ import annotations

import hashlib


def embedding_checksum(blob: bytes) -> str:
    """A 64-bit BLAKE2b digest of an embedding's bytes, as 16 hex characters."""
    return hashlib.blake2b(blob, digest_size=8).hexdigest()

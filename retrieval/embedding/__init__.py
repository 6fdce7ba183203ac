"""Embedding: the bundled multilingual-e5-small model, its run-time backends and the Embedder protocol."""

"""Indexes: the FAISS vector index, the lexical (BM25) index, and keeping both in step with the database."""

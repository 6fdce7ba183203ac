"""Candidate stages: embed the question, search the vectors and the words, read the candidates' stored chunks."""

from __future__ import annotations

from dataclasses import dataclass, replace

from retrieval.asking.query import Search
from retrieval.embedding.protocol import TextEmbedder
from retrieval.indexes.store import Indexes
from storage.repository import Repository


@dataclass(frozen=True)
class EmbedQuery:
    """The question (as read in its conversation) as a query vector."""

    embedder: TextEmbedder
    name: str = "embed"

    def __call__(self, search: Search) -> Search:
        return replace(search, vector=self.embedder.query(search.query.resolved.text))


@dataclass(frozen=True)
class VectorSearch:
    """The `candidate_pool` chunks nearest the query vector, with their cosines."""

    indexes: Indexes
    name: str = "vector"

    def __call__(self, search: Search) -> Search:
        with self.indexes.lock:
            ids, scores = self.indexes.vectors.search(search.vector, search.query.settings.candidate_pool)
        return replace(search, dense={int(i): float(s) for i, s in zip(ids, scores)})


@dataclass(frozen=True)
class LexicalSearch:
    """The `candidate_pool` chunks best matching the question's words (BM25), and how much of the question the
    best one covers."""

    indexes: Indexes
    name: str = "lexical"

    def __call__(self, search: Search) -> Search:
        with self.indexes.lock:
            ids, scores, coverage = self.indexes.lexical.search(search.query.stems, search.query.settings.candidate_pool)
        return replace(search, lexical={int(i): float(s) for i, s in zip(ids, scores)}, coverage=coverage)


@dataclass(frozen=True)
class StoredChunks:
    """Every candidate's chunk as stored, with its article's citation fields (chunks deleted meanwhile drop out)."""

    repo: Repository
    name: str = "database"

    def __call__(self, search: Search) -> Search:
        return replace(search, stored=self.repo.chunks(list(set(search.dense) | set(search.lexical))))

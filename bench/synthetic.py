"""Synthetic libraries for the large sizes: realistic-looking texts and vectors written to the database in bulk."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from retrieval.ingest.chunking import chunk_text
from retrieval.indexes.store import passage_text
from storage.checksums import embedding_checksum

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"
CORPORA = ("tydiqa-id", "facqa-id", "distractors-id", "xquad-en")


def real_articles(limit: int | None = None) -> list[dict]:
    """Real passages of the shared evaluation corpora, as article records, interleaved across corpora."""
    sets = []
    for name in CORPORA:
        path = EVAL / f"{name}.corpus.jsonl"
        if path.exists():
            sets.append([json.loads(line) for line in path.open(encoding="utf-8") if line.strip()])
    longest = max((len(s) for s in sets), default=0)
    mixed = [s[i] for i in range(longest) for s in sets if i < len(s)]
    return mixed[:limit] if limit else mixed


def real_questions(limit: int) -> list[str]:
    """Real questions of the shared evaluation sets, interleaved Indonesian and English."""
    found: list[list[str]] = []
    for name in ("tydiqa-id", "xquad-en", "facqa-id"):
        path = EVAL / f"{name}.questions.jsonl"
        if path.exists():
            found.append([json.loads(line)["question"] for line in path.open(encoding="utf-8") if line.strip()])
    mixed = [q for group in zip(*found) for q in group] if found else []
    return mixed[:limit]


def real_chunks(records: list[dict]) -> list[str]:
    """Chunk texts of real article records, chunked and titled as the library indexes them."""
    return [passage_text(record.get("title") or "", passage.text)
            for record in records for passage in chunk_text(record["text"])]


class Generator:
    """Texts drawn from the real corpus vocabulary and vectors mixed from real passage embeddings plus noise."""

    def __init__(self, base_texts: list[str], base_vectors: np.ndarray, seed: int = 13) -> None:
        self.rng = np.random.default_rng(seed)
        self.vocab = np.array(" ".join(base_texts).split())
        self.base = np.ascontiguousarray(base_vectors, dtype=np.float32)

    def texts(self, count: int, words: int = 90) -> list[str]:
        """`count` passages of `words` words sampled by corpus frequency (so BM25 sees Zipf-like postings)."""
        picks = self.rng.integers(0, len(self.vocab), size=(count, words))
        return [" ".join(row) + "." for row in self.vocab[picks]]

    def vectors(self, count: int, noise: float = 0.45) -> np.ndarray:
        """Unit vectors near mixtures of two real passage embeddings."""
        a = self.rng.integers(0, len(self.base), count)
        b = self.rng.integers(0, len(self.base), count)
        w = self.rng.uniform(0.5, 1.0, (count, 1)).astype(np.float32)
        dim = self.base.shape[1]
        mixed = w * self.base[a] + (1 - w) * self.base[b]
        mixed += self.rng.normal(0, noise / np.sqrt(dim), (count, dim)).astype(np.float32)
        mixed /= np.linalg.norm(mixed, axis=1, keepdims=True)
        return mixed


def fill_database(db_path: Path, generator: Generator, chunks: int, model: str, per_article: int = 8,
                  batch: int = 20_000) -> None:
    """Insert `chunks` synthetic chunks (and their articles) with stored vectors straight into SQLite."""
    connection = sqlite3.connect(str(db_path))
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=OFF")
    now = datetime.now(timezone.utc).isoformat(sep=" ")
    article_id = (connection.execute("SELECT MAX(id) FROM articles").fetchone()[0] or 0)
    done = 0
    while done < chunks:
        count = min(batch, chunks - done)
        texts, vectors = generator.texts(count), generator.vectors(count)
        articles, rows = [], []
        for start in range(0, count, per_article):
            article_id += 1
            parts = texts[start : start + per_article]
            body = " ".join(parts)
            digest = hashlib.sha256(f"synthetic {article_id} {body[:64]}".encode()).hexdigest()
            articles.append((article_id, f"Artikel sintetis {article_id}", body, "Sintetis", "id", digest, now))
            offset = 0
            for ordinal, text in enumerate(parts):
                blob = vectors[start + ordinal].tobytes()
                rows.append((article_id, ordinal, text, offset, offset + len(text), blob, model, embedding_checksum(blob)))
                offset += len(text) + 1
        connection.executemany("INSERT INTO articles (id, title, text, source, language, content_hash, ingested_at) "
                               "VALUES (?, ?, ?, ?, ?, ?, ?)", articles)
        connection.executemany("INSERT INTO chunks (article_id, ordinal, text, char_start, char_end, embedding, "
                               "embedding_model, embedding_checksum) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        connection.commit()
        done += count
    connection.close()


def stored_vectors(db_path: Path, dim: int, batch: int = 50_000) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(ids, vectors) of every stored chunk, in batches, read straight from SQLite."""
    connection = sqlite3.connect(str(db_path))
    last = 0
    while True:
        rows = connection.execute("SELECT id, embedding FROM chunks WHERE id > ? ORDER BY id LIMIT ?", (last, batch)).fetchall()
        if not rows:
            break
        last = rows[-1][0]
        ids = np.fromiter((r[0] for r in rows), np.int64, len(rows))
        yield ids, np.frombuffer(b"".join(r[1] for r in rows), np.float32).reshape(len(rows), dim)
    connection.close()

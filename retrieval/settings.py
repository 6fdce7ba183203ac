"""The engine's configuration: environment variables and `.env`, documented in `.env.example`.

Built once at the edge (the command line, the bot, the benchmarks) and passed in; nothing here is read at import.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from retrieval.embedding.e5_bundle import DEFAULT_MODEL_CACHE
from retrieval.ingest.chunking import DEFAULT_OVERLAP, DEFAULT_WORDS
from retrieval.ingest.text import MAX_ARTICLE_CHARS

ENV_FILE = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True,
                              populate_by_name=True)


class Settings(BaseSettings):
    """Settings of the engine: storage, model, chunking, answers, sync and fetching."""

    model_config = ENV_FILE

    data_dir: Path = Field(default=Path("data"), validation_alias="TANYA_DATA_DIR")
    database_url: str | None = None
    embedding_model: str = "multilingual-e5-small"
    model_cache_dir: Path | None = None
    embedding_batch_size: int = 32
    # How the bundled model runs: "onnx" (passages through its fp32 weights as a fused ONNX Runtime graph, questions
    # through a graph with int8 weights in blocks of 16 that keeps the fp32 vectors within cosine 0.9999; both
    # exported next to the model folder on first use), "onnx-int8" (the int8 graph for passages too), "torch" or
    # "sentence-transformers" (the reference).
    embedding_backend: str = "onnx"

    chunk_words: int = DEFAULT_WORDS
    chunk_overlap_sentences: int = DEFAULT_OVERLAP
    max_article_bytes: int = 5_000_000
    max_article_chars: int = MAX_ARTICLE_CHARS

    excerpt_chars: int = Field(default=700, ge=100)
    top_k: int = 3
    candidate_pool: int = 50
    abstain_threshold: float = 1.072
    # Confidence (see retrieval/ranking/abstain.py) from which an answer that is not found is still shown as
    # "unsure: this may be related"; below it the answer is "not found". Calibrated on the dev sets.
    unsure_threshold: float = 0.88
    # Passages after the first are worth showing only while their score is within this margin of the first one's
    # (tuned on the dev sets: fewer passages to read for almost the same chance that the answer is among them).
    passage_margin: float = 0.07
    rerank_depth: int = 20
    rerank_weight: float = 0.035
    rerank_within_article: float = 0.1
    followup_article_bonus: float = 0.02
    approximate_index_from: int = 100_000
    sync_interval_seconds: float = 2.0
    feed_retention_days: float = Field(default=7.0, gt=0)

    fetch_timeout_seconds: float = 15.0
    fetch_max_bytes: int = 5_000_000
    fetch_allow_private: bool = False

    # RSS/Atom feeds: every how many minutes a feed is polled (a failing one backs off, doubling, up to a day), and at
    # most how many new entries one feed stores per round (bounded work, even for a feed of 10,000 entries).
    feed_poll_minutes: float = Field(default=15.0, gt=0)
    feed_max_new: int = Field(default=50, ge=1)

    history_turns: int = 4
    naming_passages: int = Field(default=5, ge=0)
    """A follow-up's word the library holds in at most this many passages names something, as a capitalised word does:
    of the chat's recent turns, the follow-up continues the one whose cited article holds it ("lavrov?")."""

    timezone: str = "Asia/Jakarta"
    """The readers' time zone: "hari ini", "kemarin", "last week" in a question are days in this zone."""
    time_questions: bool = True
    """Read the time a question names ("pada Mei 2024", "terbaru") and restrict or order passages by date."""
    time_scan_limit: int = Field(default=5000, ge=0)
    """A time-bound question scores every passage of its range when there are at most this many (else it
    searches deeper and filters)."""
    recency_margin: float = Field(default=0.02, ge=0)
    """For "terbaru"/"latest": passages scoring within this much of the best count as on topic and are
    re-ordered newest first."""
    recency_weight: float = Field(default=0.005, ge=0)
    """A question naming no time: bonus for the newest of the top passages' dates (0 for the oldest)."""

    @property
    def resolved_database_url(self) -> str:
        """The database to use: `DATABASE_URL`, or a SQLite file in the data directory."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'tanya.db').resolve()}"

    @property
    def resolved_model_cache(self) -> Path:
        """Where the bundled model folder is built on first use."""
        return self.model_cache_dir or DEFAULT_MODEL_CACHE

"""All configuration in one place: environment variables and `.env`, documented in `.env.example`."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from typing_extensions import Annotated

from retrieval.chunking import DEFAULT_OVERLAP, DEFAULT_WORDS

IdList = Annotated[frozenset[int], NoDecode]


class Settings(BaseSettings):
    """Settings for the engine, the command line and the Telegram bot."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True,
                                      populate_by_name=True)

    data_dir: Path = Field(default=Path("data"), validation_alias="TANYA_DATA_DIR")
    database_url: str | None = None
    embedding_model: str = "multilingual-e5-small"
    model_cache_dir: Path | None = None
    embedding_batch_size: int = 32
    embedding_backend: str = "torch"

    chunk_words: int = DEFAULT_WORDS
    chunk_overlap_sentences: int = DEFAULT_OVERLAP
    max_article_bytes: int = 5_000_000
    max_article_chars: int = 2_000_000

    excerpt_chars: int = Field(default=700, ge=100)
    top_k: int = 3
    candidate_pool: int = 50
    abstain_threshold: float = 1.0
    rerank_depth: int = 20
    rerank_weight: float = 0.035
    rerank_within_article: float = 0.1
    followup_article_bonus: float = 0.02
    approximate_index_from: int = 200_000
    sync_interval_seconds: float = 2.0
    feed_retention_days: float = Field(default=7.0, gt=0)

    fetch_timeout_seconds: float = 15.0
    fetch_max_bytes: int = 5_000_000
    fetch_allow_private: bool = False

    telegram_bot_token: str | None = None
    telegram_base_url: str = "https://api.telegram.org/bot"
    telegram_base_file_url: str = "https://api.telegram.org/file/bot"
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    webhook_secret: str | None = None
    admin_user_ids: IdList = frozenset()
    allowed_chat_ids: IdList = frozenset()
    ingest_admins_only: bool = False
    max_upload_bytes: int = 10_000_000
    history_turns: int = 4
    forward_join_seconds: float = 2.0

    @field_validator("admin_user_ids", "allowed_chat_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        """Accept "1,2 3" from the environment as well as real lists."""
        if isinstance(value, str):
            return frozenset(int(part) for part in value.replace(",", " ").split())
        if isinstance(value, int):
            return frozenset({value})
        return value

    @property
    def resolved_database_url(self) -> str:
        """The database to use: `DATABASE_URL`, or a SQLite file in the data directory."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'tanya.db').resolve()}"

    @property
    def resolved_model_cache(self) -> Path:
        """Where the bundled model folder is built on first use."""
        return self.model_cache_dir or Path.home() / ".cache" / "tanya-berita" / "models"

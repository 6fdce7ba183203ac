"""SQLAlchemy ORM models: articles, their chunks (with stored vectors), the change feed, chat turns and the
channels whose posts are taken in."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """Timezone-aware now, stored as UTC."""
    return datetime.now(timezone.utc)


class WallClock(TypeDecorator[datetime]):
    """A naive DATETIME/TIMESTAMP holding the wall-clock time given, offset dropped, on every backend alike."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Drop the offset, as SQLite always has, so PostgreSQL cannot shift the value by its session time zone."""
        return value.replace(tzinfo=None) if value is not None and value.tzinfo is not None else value


class Base(DeclarativeBase):
    """Declarative base of every table."""

    type_annotation_map = {datetime: WallClock}


class Article(Base):
    """One stored article: its text and citation metadata."""

    __tablename__ = "articles"
    __table_args__ = (
        Index("uq_articles_canonical_url", "canonical_url", unique=True),
        Index("ix_articles_dates", "published_at", "ingested_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    canonical_url: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(300))
    author: Mapped[str | None] = mapped_column(String(300))
    published_at: Mapped[datetime | None]
    language: Mapped[str | None] = mapped_column(String(8))
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    ingested_at: Mapped[datetime] = mapped_column(default=utcnow)
    added_by: Mapped[str | None] = mapped_column(String(100), index=True)

    chunks: Mapped[list[Chunk]] = relationship(
        back_populates="article", cascade="all, delete-orphan", passive_deletes=True, order_by="Chunk.ordinal"
    )


class Chunk(Base):
    """A passage of an article with its exact character span and its embedding (with a checksum of its bytes)."""

    __tablename__ = "chunks"
    __table_args__ = (
        Index("ix_chunks_article_ordinal", "article_id", "ordinal", unique=True),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    ordinal: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    char_start: Mapped[int]
    char_end: Mapped[int]
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary)
    embedding_model: Mapped[str | None] = mapped_column(String(300))
    embedding_checksum: Mapped[str | None] = mapped_column(String(16))

    article: Mapped[Article] = relationship(back_populates="chunks")


class Change(Base):
    """One chunk added or deleted; ids grow in commit order, so followers can read the feed with a watermark."""

    __tablename__ = "changes"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    chunk_id: Mapped[int]
    deleted: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class Turn(Base):
    """One question of a conversation, the articles its answer cited (for follow-ups) and its passages as JSON."""

    __tablename__ = "turns"
    __table_args__ = (Index("ix_turns_conversation", "conversation", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation: Mapped[str] = mapped_column(String(100))
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text, default="")
    article_ids: Mapped[str] = mapped_column(Text, default="")
    passages: Mapped[str | None] = mapped_column(Text, default=None)
    message_ids: Mapped[str | None] = mapped_column(Text, default=None)
    """The chat messages that showed the answer (comma-separated ids): a reply to one of them continues this turn."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Setting(Base):
    """Small per-chat preferences (e.g. reply language), keyed by chat and name."""

    __tablename__ = "chat_settings"

    chat: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Channel(Base):
    """A Telegram channel whose posts are stored: its name, how many posts were taken in and the newest one's date."""

    __tablename__ = "channels"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(300))
    posts: Mapped[int] = mapped_column(default=0)
    last_post_at: Mapped[datetime | None]


class Feed(Base):
    """An RSS/Atom feed polled for new articles: its conditional-request validators, health and polling schedule."""

    __tablename__ = "feeds"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    etag: Mapped[str | None] = mapped_column(String(300))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    last_success_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_code: Mapped[str | None] = mapped_column(String(40))
    failures: Mapped[int] = mapped_column(default=0)
    next_due_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    entries_stored: Mapped[int] = mapped_column(default=0)
    lease_until: Mapped[datetime | None]
    added_by: Mapped[str | None] = mapped_column(String(100))

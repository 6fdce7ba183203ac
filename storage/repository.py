"""Persistence operations over articles, chunks, the change feed, conversations and chat settings."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, NamedTuple

from sqlalchemy import (ColumnElement, DateTime, Engine, Select, and_, bindparam, delete, func, insert, literal, or_,
                        select, text, true, update)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from storage.checksums import embedding_checksum
from storage.database import session_factory
from storage.models import Article, Change, Channel, Chunk, Feed, Setting, Turn

FEED_LOCK = 0x7461_6E79_6101


@dataclass(frozen=True)
class NewChunk:
    """A chunk ready to be stored together with its article."""

    ordinal: int
    text: str
    char_start: int
    char_end: int
    embedding: bytes | None = None


@dataclass(frozen=True)
class StoredChunk:
    """A chunk read back with the citation fields of its article."""

    id: int
    article_id: int
    ordinal: int
    text: str
    char_start: int
    char_end: int
    title: str
    url: str | None
    source: str | None
    published_at: datetime | None
    language: str | None
    ingested_at: datetime | None = None


@dataclass(frozen=True)
class DateBounds:
    """Half-open bounds [start, end) on an article's date: its publication time (wall clock) when it has one,
    else its ingestion time (UTC); None is open."""

    published_from: datetime | None
    published_to: datetime | None
    ingested_from: datetime | None
    ingested_to: datetime | None


@dataclass(frozen=True)
class ArticleSlice:
    """Part of an article's text, with the article's citation fields and the length of its whole text."""

    title: str
    text: str
    length: int
    url: str | None
    source: str | None
    published_at: datetime | None


@dataclass(frozen=True)
class ArticleChunking:
    """An article's text with the spans of its stored chunks, for checking them against the chunk settings."""

    id: int
    title: str
    text: str
    spans: tuple[tuple[int, int], ...]


class StoredEmbedding(NamedTuple):
    """A chunk's stored vector bytes and model; `intact` is False when the bytes fail their stored checksum."""

    chunk_id: int
    embedding: bytes | None
    model: str | None
    intact: bool


ID_DIGEST_MODULUS = 65521


_CHUNKS_BY_ID = (select(Chunk.id, Chunk.article_id, Chunk.ordinal, Chunk.text, Chunk.char_start, Chunk.char_end,
                        Article.title, Article.url, Article.source, Article.published_at, Article.language,
                        Article.ingested_at)
                 .join(Article).where(Chunk.id.in_(bindparam("ids", expanding=True))))
"""Chunks by id with their article's citation fields: one compiled statement, read without the ORM (a question's
candidates are read on every ask)."""


class Repository:
    """All database access of the engine; the database is the source of truth for the indexes."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = session_factory(engine)

    def session(self) -> Session:
        """A new session (use as a context manager)."""
        return self._sessions()

    def stored_hashes(self, content_hashes: Sequence[str]) -> dict[str, tuple[int, str]]:
        """(id, title) of the stored articles with these content hashes, in one query, without their texts."""
        return self._articles_by(Article.content_hash, content_hashes)

    def stored_links(self, canonical_urls: Sequence[str]) -> dict[str, tuple[int, str]]:
        """(id, title) of the stored articles with these canonical links, in one query."""
        return self._articles_by(Article.canonical_url, canonical_urls)

    def _articles_by(self, key: Any, values: Sequence[str]) -> dict[str, tuple[int, str]]:
        """(id, title) of the stored articles whose unique `key` column holds one of `values`, keyed by that value."""
        if not values:
            return {}
        with self.session() as s:
            rows = s.execute(select(key, Article.id, Article.title).where(key.in_(list(set(values))))).all()
        return {value: (article_id, title) for value, article_id, title in rows}

    def add_article(self, article: Article, chunks: Sequence[NewChunk], model: str | None) -> tuple[Article, list[int]] | None:
        """Store an article and its chunks in one transaction; None when its hash is already stored."""
        article.chunks = _chunk_rows(chunks, model)
        with self.session() as s:
            s.add(article)
            try:
                s.flush()
            except IntegrityError:
                s.rollback()
                return None
            ids = [c.id for c in article.chunks]
            _feed(s, added=ids)
            s.commit()
            return article, ids

    def replace_chunks(self, article_id: int, chunks: Sequence[NewChunk], model: str) -> tuple[list[int], list[int]] | None:
        """Swap an article's chunks for new ones in one transaction, feeding both; (old ids, new ids), None if gone."""
        return self.replace_article(article_id, {}, chunks, model)

    def replace_article(self, article_id: int, fields: dict[str, Any], chunks: Sequence[NewChunk],
                        model: str) -> tuple[list[int], list[int]] | None:
        """Overwrite an article's text and metadata (`fields`) and swap its chunks in one transaction, feeding both;
        (old ids, new ids), or None if the article is gone or its new text is already stored as another article."""
        with self.session() as s:
            article = s.get(Article, article_id, with_for_update=True)
            if article is None:
                return None
            for name, value in fields.items():
                setattr(article, name, value)
            old = _drop_chunks(s, article_id)
            rows = _chunk_rows(chunks, model, article_id)
            s.add_all(rows)
            try:
                s.flush()
            except IntegrityError:
                s.rollback()
                return None
            new = [row.id for row in rows]
            _feed(s, deleted=old, added=new)
            s.commit()
            return old, new

    def links_without_canonical(self, after: int, batch: int = 500) -> list[tuple[int, str]]:
        """(id, url) of articles stored with a link but no canonical link yet, by id after `after`."""
        with self.session() as s:
            return [tuple(r) for r in s.execute(
                select(Article.id, Article.url).where(Article.id > after, Article.url.is_not(None),
                                                      Article.canonical_url.is_(None))
                .order_by(Article.id).limit(batch))]

    def set_canonical_urls(self, links: dict[int, str]) -> None:
        """Record articles' canonical links in one transaction; if some link is taken (two stored articles shared
        it), one by one instead, leaving a taken link's later article without one."""
        with self.session() as s:
            try:
                s.execute(update(Article), [{"id": i, "canonical_url": c} for i, c in links.items()])
                s.commit()
                return
            except IntegrityError:
                s.rollback()
        for article_id, link in links.items():
            with self.session() as s:
                try:
                    s.execute(update(Article).where(Article.id == article_id).values(canonical_url=link))
                    s.commit()
                except IntegrityError:
                    s.rollback()

    def iter_article_chunking(self, batch: int = 200) -> Iterator[list[ArticleChunking]]:
        """Stream every article with its chunk spans in id order, in batches, without loading embeddings."""
        query = select(Article.id, Article.title, Article.text)
        for articles in self._in_batches(query, Article.id, None, batch):
            spans: dict[int, list[tuple[int, int]]] = {}
            ids = [article[0] for article in articles]
            with self.session() as s:
                for article_id, start, end in s.execute(
                        select(Chunk.article_id, Chunk.char_start, Chunk.char_end)
                        .where(Chunk.article_id.in_(ids)).order_by(Chunk.article_id, Chunk.ordinal)):
                    spans.setdefault(article_id, []).append((start, end))
            yield [ArticleChunking(*article, tuple(spans.get(article[0], ()))) for article in articles]

    def get_article(self, article_id: int) -> Article | None:
        """One article (its chunks are not loaded: they carry the embeddings)."""
        with self.session() as s:
            return s.get(Article, article_id)

    def content_hash(self, article_id: int) -> str | None:
        """The hash of an article's text (None if the article is gone), without reading the text."""
        with self.session() as s:
            return s.scalar(select(Article.content_hash).where(Article.id == article_id))

    def article_slice(self, article_id: int, start: int, end: int) -> ArticleSlice | None:
        """Characters `start:end` of an article's text, read without loading the rest; None if the article is gone."""
        with self.session() as s:
            row = s.execute(select(Article.title, func.substr(Article.text, start + 1, max(0, end - start)),
                                   func.length(Article.text), Article.url, Article.source, Article.published_at)
                            .where(Article.id == article_id)).one_or_none()
        return None if row is None else ArticleSlice(*row)

    def list_articles(self, offset: int = 0, limit: int = 20) -> list[Article]:
        """Most recently ingested articles first."""
        with self.session() as s:
            query = select(Article).order_by(Article.id.desc()).offset(offset).limit(limit)
            return list(s.scalars(query))

    def articles_by_date(self, bounds: DateBounds | None, offset: int = 0, limit: int = 20,
                         article_ids: Sequence[int] | None = None, wall_clock: timedelta = timedelta()) -> list[Article]:
        """Articles within `bounds` (all when None; only `article_ids` when given), newest first by their date: the
        publication time (a wall-clock time), else the UTC ingestion time moved onto that clock by `wall_clock`."""
        query = select(Article)
        if bounds is not None:
            query = query.where(_within(bounds))
        if article_ids is not None:
            query = query.where(Article.id.in_(list(article_ids)))
        newest = func.coalesce(Article.published_at, _Shifted(Article.ingested_at, wall_clock))
        with self.session() as s:
            return list(s.scalars(query.order_by(newest.desc(), Article.id.desc()).offset(offset).limit(limit)))

    def has_articles_within(self, bounds: DateBounds) -> bool:
        """Whether any article's date falls within `bounds` (read from the date indexes, not the articles)."""
        with self.session() as s:
            return s.scalar(select(Article.id).where(_within(bounds)).limit(1)) is not None

    def dated_chunk_ids(self, bounds: DateBounds, limit: int) -> list[int] | None:
        """Ids of the chunks of articles within `bounds`; None when there are more than `limit`."""
        with self.session() as s:
            ids = list(s.scalars(select(Chunk.id).join(Article).where(_within(bounds)).limit(limit + 1)))
        return None if len(ids) > limit else ids

    def chunk_counts(self, article_ids: Sequence[int]) -> dict[int, int]:
        """How many chunks each of the given articles has, in one query."""
        if not article_ids:
            return {}
        with self.session() as s:
            query = (select(Chunk.article_id, func.count(Chunk.id)).where(Chunk.article_id.in_(list(article_ids)))
                     .group_by(Chunk.article_id))
            counts = {int(article): int(n) for article, n in s.execute(query)}
        return {article: counts.get(article, 0) for article in article_ids}

    def delete_article(self, article_id: int) -> list[int] | None:
        """Delete an article and its chunks, recording the chunk ids in the change feed; None if absent."""
        with self.session() as s:
            article = s.get(Article, article_id, with_for_update=True)
            if article is None:
                return None
            chunk_ids = _drop_chunks(s, article_id)
            s.delete(article)
            s.flush()
            _feed(s, deleted=chunk_ids)
            s.commit()
            return chunk_ids

    def counts(self) -> dict[str, int]:
        """Numbers of articles, chunks and conversation turns."""
        with self.session() as s:
            return {
                "articles": s.scalar(select(func.count(Article.id))) or 0,
                "chunks": s.scalar(select(func.count(Chunk.id))) or 0,
                "turns": s.scalar(select(func.count(Turn.id))) or 0,
            }

    def last_ingested_at(self) -> datetime | None:
        """When the newest article was stored."""
        with self.session() as s:
            return s.scalar(select(func.max(Article.ingested_at)))

    def chunk_ids(self) -> list[int]:
        """Ids of all chunks, ascending."""
        with self.session() as s:
            return list(s.scalars(select(Chunk.id).order_by(Chunk.id)))

    def chunk_id_digest(self) -> tuple[int, int, int, int]:
        """Count, maximum, sum and sum of squares (mod 65521) of all chunk ids, read from the primary key.

        Lets a process check that an index holds exactly the stored chunks without reading every row.
        """
        residue = Chunk.id % ID_DIGEST_MODULUS
        with self.session() as s:
            count, top, total, squares = s.execute(
                select(func.count(Chunk.id), func.max(Chunk.id), func.sum(Chunk.id), func.sum(residue * residue))
            ).one()
        return int(count or 0), int(top or 0), int(total or 0), int(squares or 0)

    def change_position(self) -> int:
        """The newest position of the change feed (0 for none)."""
        with self.session() as s:
            return s.scalar(select(func.max(Change.id))) or 0

    def oldest_change_position(self) -> int | None:
        """The oldest position still in the change feed (None when it is empty)."""
        with self.session() as s:
            return s.scalar(select(func.min(Change.id)))

    def prune_changes(self, before: datetime) -> int:
        """Delete feed rows older than `before`, always keeping the newest so the feed position never goes back."""
        with self.session() as s:
            newest = s.scalar(select(func.max(Change.id)))
            if newest is None:
                return 0
            gone = s.execute(delete(Change).where(Change.created_at < before, Change.id < newest)).rowcount
            s.commit()
            return gone or 0

    def changes_after(self, after: int, limit: int = 10_000) -> tuple[list[tuple[int, bool]], int]:
        """Up to `limit` (chunk id, deleted) changes committed after feed position `after`, and the new position."""
        with self.session() as s:
            rows = s.execute(select(Change.id, Change.chunk_id, Change.deleted)
                             .where(Change.id > after).order_by(Change.id).limit(limit)).all()
        return [(r.chunk_id, r.deleted) for r in rows], (rows[-1].id if rows else after)

    def chunks(self, ids: Sequence[int]) -> dict[int, StoredChunk]:
        """Chunks by id with their article's citation fields (missing ids are left out)."""
        if not ids:
            return {}
        with self.engine.connect() as connection:
            rows = connection.execute(_CHUNKS_BY_ID, {"ids": list(ids)}).all()
        return {r.id: StoredChunk(*r) for r in rows}

    def article_chunks(self, article_id: int) -> list[StoredChunk]:
        """All chunks of one article in order."""
        with self.session() as s:
            ids = list(s.scalars(select(Chunk.id).where(Chunk.article_id == article_id).order_by(Chunk.ordinal)))
        found = self.chunks(ids)
        return [found[i] for i in ids if i in found]

    def iter_embeddings(self, ids: Sequence[int] | None = None, batch: int = 2000) -> Iterator[list[StoredEmbedding]]:
        """Stream chunks' stored embeddings, each checked against its checksum, in batches, for all chunks or `ids`."""
        query = select(Chunk.id, Chunk.embedding, Chunk.embedding_model, Chunk.embedding_checksum)
        for rows in self._in_batches(query, Chunk.id, ids, batch):
            yield [StoredEmbedding(chunk_id, blob, model, blob is None or checksum == embedding_checksum(blob))
                   for chunk_id, blob, model, checksum in rows]

    def iter_chunk_texts(self, ids: Sequence[int] | None = None, batch: int = 2000) -> Iterator[list[tuple[int, str, str, str | None]]]:
        """Stream (chunk id, chunk text, article title, article language) in batches, for all chunks or the given ids."""
        query = select(Chunk.id, Chunk.text, Article.title, Article.language).join(Article)
        yield from self._in_batches(query, Chunk.id, ids, batch)

    def _in_batches(self, query: Select[Any], key: ColumnElement[int], ids: Sequence[int] | None,
                    batch: int) -> Iterator[list[tuple[Any, ...]]]:
        """Rows of `query` (its first column is `key`) in key order, in batches: all, or those whose key is in `ids`.

        All rows are read by keyset paging (key > last seen), which stays fast deep into a large table.
        """
        if ids is not None:
            ordered = sorted(ids)
            for start in range(0, len(ordered), batch):
                with self.session() as s:
                    rows = s.execute(query.where(key.in_(ordered[start : start + batch])).order_by(key)).all()
                if rows:
                    yield [tuple(r) for r in rows]
            return
        last = 0
        while True:
            with self.session() as s:
                rows = s.execute(query.where(key > last).order_by(key).limit(batch)).all()
            if not rows:
                return
            last = rows[-1][0]
            yield [tuple(r) for r in rows]

    def set_embeddings(self, vectors: dict[int, bytes], model: str) -> None:
        """Replace the stored embeddings (and checksums) of some chunks in one bulk update: re-indexing with another
        model, or re-embedding a vector that failed its checksum."""
        if not vectors:
            return
        with self.session() as s:
            present = set(s.scalars(select(Chunk.id).where(Chunk.id.in_(list(vectors)))))
            rows = [{"id": cid, "embedding": blob, "embedding_model": model, "embedding_checksum": embedding_checksum(blob)}
                    for cid, blob in vectors.items() if cid in present]
            if rows:
                s.execute(update(Chunk), rows)
            s.commit()

    def add_turn(self, conversation: str, question: str, answer: str, article_ids: Sequence[int], keep: int,
                 passages: str | None = None) -> int:
        """Remember one question, the articles cited and the answer's passages, keeping the last `keep` turns."""
        with self.session() as s:
            turn = Turn(conversation=conversation, question=question, answer=answer,
                        article_ids=",".join(str(i) for i in article_ids), passages=passages)
            s.add(turn)
            s.flush()
            old = select(Turn.id).where(Turn.conversation == conversation).order_by(Turn.id.desc()).offset(keep)
            stale = list(s.scalars(old))
            if stale:
                s.execute(delete(Turn).where(Turn.id.in_(stale)))
            s.commit()
            return turn.id

    def set_turn_messages(self, turn_id: int, message_ids: Sequence[int]) -> None:
        """Record which chat messages showed a turn's answer (nothing happens once the turn is forgotten)."""
        with self.session() as s:
            s.execute(update(Turn).where(Turn.id == turn_id).values(message_ids=",".join(map(str, message_ids))))
            s.commit()

    def get_turn(self, turn_id: int) -> Turn | None:
        """One stored turn, if still kept."""
        with self.session() as s:
            return s.get(Turn, turn_id)

    def recent_turns(self, conversation: str, limit: int) -> list[Turn]:
        """The last `limit` turns of a conversation, oldest first."""
        with self.session() as s:
            rows = list(s.scalars(
                select(Turn).where(Turn.conversation == conversation).order_by(Turn.id.desc()).limit(limit)
            ))
        return rows[::-1]

    def clear_turns(self, conversation: str) -> int:
        """Forget a conversation; returns how many turns were removed."""
        with self.session() as s:
            result = s.execute(delete(Turn).where(Turn.conversation == conversation))
            s.commit()
            return result.rowcount or 0

    def get_setting(self, chat: str, name: str) -> str | None:
        """A stored per-chat preference."""
        with self.session() as s:
            row = s.get(Setting, (chat, name))
            return row.value if row else None

    def count_channel_post(self, chat_id: int, name: str, posted_at: datetime | None) -> None:
        """Count one stored post of a channel under its current name, keeping the newest post's date (UTC)."""
        def count(s: Session) -> None:
            channel = s.get(Channel, chat_id, with_for_update=True)
            if channel is None:
                channel = Channel(chat_id=chat_id, name=name, posts=0)
                s.add(channel)
            channel.name, channel.posts = name, channel.posts + 1
            posted = _utc(posted_at) if posted_at is not None else None
            if posted is not None and (channel.last_post_at is None or posted > channel.last_post_at):
                channel.last_post_at = posted

        self._upsert(count)

    def channels(self) -> list[Channel]:
        """The channels whose posts were stored, most recently posting first."""
        with self.session() as s:
            return list(s.scalars(select(Channel).order_by(Channel.last_post_at.desc(), Channel.chat_id)))

    def add_feed(self, url: str, title: str, added_by: str | None) -> Feed | None:
        """Subscribe to a feed, due at once; None when its address is already subscribed."""
        with self.session() as s:
            feed = Feed(url=url, title=title[:300], added_by=added_by, failures=0, entries_stored=0)
            s.add(feed)
            try:
                s.commit()
            except IntegrityError:
                s.rollback()
                return None
            s.refresh(feed)
            return feed

    def feeds(self) -> list[Feed]:
        """Every subscribed feed, oldest subscription first."""
        with self.session() as s:
            return list(s.scalars(select(Feed).order_by(Feed.id)))

    def remove_feed(self, feed_id: int) -> bool:
        """Unsubscribe from a feed (its stored articles stay); False if there was none."""
        with self.session() as s:
            gone = s.execute(delete(Feed).where(Feed.id == feed_id)).rowcount
            s.commit()
            return bool(gone)

    def claim_due_feeds(self, now: datetime, lease: timedelta) -> list[Feed]:
        """Lease the feeds that are due and not being polled, so that no other process polls them meanwhile.

        Each claim is one conditional UPDATE (`… WHERE lease_until < now`): of two processes racing for a feed, the
        database lets exactly one change the row.
        """
        free = or_(Feed.lease_until.is_(None), Feed.lease_until < now)
        with self.session() as s:
            due = list(s.scalars(select(Feed.id).where(Feed.next_due_at <= now, free).order_by(Feed.next_due_at)))
        claimed = []
        for feed_id in due:
            with self.session() as s:
                won = s.execute(update(Feed).where(Feed.id == feed_id, Feed.next_due_at <= now, free)
                                .values(lease_until=now + lease)).rowcount
                s.commit()
                feed = s.get(Feed, feed_id) if won else None
                if feed is not None:
                    claimed.append(feed)
        return claimed

    def finish_feed_poll(self, feed_id: int, values: dict[str, Any], added_by: str | None = None) -> None:
        """Record a poll's outcome (`values`: validators, health, next due time) and release the lease; with
        `added_by`, recount the entries stored as the articles it added (exact even after a crash mid-poll)."""
        if added_by is not None:
            values = {**values, "entries_stored": select(func.count(Article.id))
                      .where(Article.added_by == added_by).scalar_subquery()}
        with self.session() as s:
            s.execute(update(Feed).where(Feed.id == feed_id).values(lease_until=None, **values))
            s.commit()

    def set_setting(self, chat: str, name: str, value: str) -> None:
        """Store a per-chat preference; if another process inserts the same one first, overwrite it instead."""
        self._upsert(lambda s: s.merge(Setting(chat=chat, name=name, value=value)))

    def _upsert(self, write: Callable[[Session], object]) -> None:
        """Commit `write` in a session of its own; when another process inserted the same row first (a conflict on
        its key), run it once more, which now finds and updates that row."""
        for attempt in range(2):
            with self.session() as s:
                write(s)
                try:
                    s.commit()
                    return
                except IntegrityError:
                    s.rollback()
                    if attempt:
                        raise


class _Shifted(FunctionElement[datetime]):
    """A time column moved by a fixed offset, in each backend's own date arithmetic (SQLite keeps times as text)."""

    type = DateTime()
    inherit_cache = True

    def __init__(self, column: ColumnElement[datetime], offset: timedelta) -> None:
        super().__init__(column, literal(int(offset.total_seconds()) // 60))


@compiles(_Shifted, "sqlite")
def _shifted_sqlite(element: _Shifted, compiler: SQLCompiler, **kw: Any) -> str:
    column, minutes = element.clauses
    return f"datetime({compiler.process(column, **kw)}, {compiler.process(minutes, **kw)} || ' minutes')"


@compiles(_Shifted, "postgresql")
def _shifted_postgresql(element: _Shifted, compiler: SQLCompiler, **kw: Any) -> str:
    column, minutes = element.clauses
    return f"({compiler.process(column, **kw)} + make_interval(mins => {compiler.process(minutes, **kw)}))"


def _utc(moment: datetime) -> datetime:
    """A time as the naive UTC the time columns hold (a naive one is taken as UTC already)."""
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo is not None else moment


def _within(bounds: DateBounds) -> ColumnElement[bool]:
    """The SQL condition: the article's publication time, or its ingestion time when it has none, within bounds."""
    def between(column: Any, start: datetime | None, end: datetime | None) -> ColumnElement[bool]:
        return and_(*(c for c in (column >= start if start else None, column < end if end else None) if c is not None),
                    true())

    return or_(and_(Article.published_at.is_not(None), between(Article.published_at, bounds.published_from,
                                                                bounds.published_to)),
               and_(Article.published_at.is_(None), between(Article.ingested_at, bounds.ingested_from,
                                                            bounds.ingested_to)))


def _chunk_rows(chunks: Sequence[NewChunk], model: str | None, article_id: int | None = None) -> list[Chunk]:
    """Database rows for new chunks (of `article_id`, or of the article they are attached to); no vector, no model."""
    return [Chunk(article_id=article_id, ordinal=c.ordinal, text=c.text, char_start=c.char_start, char_end=c.char_end,
                  embedding=c.embedding, embedding_model=model if c.embedding is not None else None,
                  embedding_checksum=embedding_checksum(c.embedding) if c.embedding is not None else None)
            for c in chunks]


def _drop_chunks(session: Session, article_id: int) -> list[int]:
    """Delete an article's chunks in the session's transaction and return their ids."""
    ids = list(session.scalars(select(Chunk.id).where(Chunk.article_id == article_id)))
    session.execute(delete(Chunk).where(Chunk.article_id == article_id))
    return ids


def _feed(session: Session, deleted: Sequence[int] = (), added: Sequence[int] = ()) -> None:
    """Record deleted and added chunk ids in the change feed, holding the feed lock until commit."""
    _hold_feed_lock(session)
    rows = [{"chunk_id": cid, "deleted": True} for cid in deleted] + [{"chunk_id": cid, "deleted": False} for cid in added]
    if rows:
        session.execute(insert(Change), rows)


def _hold_feed_lock(session: Session) -> None:
    """Serialise feed writers until commit, so feed ids become visible in id order (SQLite has one writer anyway)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": FEED_LOCK})

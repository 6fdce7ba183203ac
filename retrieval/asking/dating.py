"""Time stages: a question naming a time is answered from the passages of that time, searched for over the whole
range; one asking for the newest is answered newest first among the passages on its topic; and one naming no time
leans a little towards the newest of the stories it finds.

An article's date is its publication day, or its ingestion day (in the readers' time zone) when it has none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone
from typing import TypeVar
from zoneinfo import ZoneInfo

import numpy as np

from retrieval.answer import AnswerPassage
from retrieval.asking.query import Search
from retrieval.indexes.store import Indexes
from retrieval.ranking.coverage import word_coverage
from retrieval.ranking.timeframe import TimeRange
from storage.repository import DateBounds, Repository, StoredChunk

T = TypeVar("T")
COVERAGE_SLACK = 0.1
"""How much less of the question's words a passage may cover than the best one and still be on its topic."""
DEEPER = 10
"""How many times the usual pool a time-bound search takes when its range holds too many passages to score all."""


def chunk_day(chunk: StoredChunk, zone: ZoneInfo) -> date | None:
    """The day a chunk's article counts as published on."""
    return article_day(chunk.published_at, chunk.ingested_at, zone)


def wall_clock(moment: datetime, zone: ZoneInfo) -> datetime:
    """A stored (naive UTC) time as the naive wall-clock time in `zone`, the clock publication times are kept on."""
    return moment.replace(tzinfo=timezone.utc).astimezone(zone).replace(tzinfo=None)


def article_day(published_at: datetime | None, ingested_at: datetime | None, zone: ZoneInfo) -> date | None:
    """An article's publication day, or the day (in `zone`) it was stored when it has no publication time."""
    if published_at is not None:
        return published_at.date()
    if ingested_at is None:
        return None
    return wall_clock(ingested_at, zone).date()


def date_bounds(span: TimeRange, zone: ZoneInfo) -> DateBounds:
    """The database bounds of a range of days: wall-clock days for publication times, UTC for ingestion times."""
    start = datetime.combine(span.start, time()) if span.start else None
    end = datetime.combine(span.end + timedelta(days=1), time()) if span.end else None

    def utc(moment: datetime | None) -> datetime | None:
        return moment.replace(tzinfo=zone).astimezone(timezone.utc).replace(tzinfo=None) if moment else None

    return DateBounds(start, end, utc(start), utc(end))


def named_range(search: Search) -> TimeRange | None:
    """The time range the question names, if any."""
    return search.query.time.range if search.query.time else None


@dataclass(frozen=True)
class InRange:
    """A question naming a time finds its candidates over the whole range: every passage of the range is scored
    when there are at most `time_scan_limit` of them, else the search goes `DEEPER` (the `dated` stage filters)."""

    indexes: Indexes
    repo: Repository
    name: str = "in_range"

    def __call__(self, search: Search) -> Search:
        query, span = search.query, named_range(search)
        if span is None:
            return search
        settings = query.settings
        ids = self.repo.dated_chunk_ids(date_bounds(span, ZoneInfo(settings.timezone)), settings.time_scan_limit)
        if ids is None:
            return self._deeper(search)
        dense, lexical = search.dense, search.lexical
        if search.vector is not None:
            vectors = self.indexes.stored_vectors(ids)
            dense = {cid: float(vector @ search.vector) for cid, vector in vectors.items()}
        if search.lexical:
            with self.indexes.lock:
                found, scores, _ = self.indexes.lexical.search(query.stems, len(self.indexes.lexical))
            keep = np.isin(found, np.asarray(ids, dtype=np.int64))
            lexical = dict(zip(found[keep].tolist(), scores[keep].tolist()))
        return replace(search, dense=dense, lexical=lexical)

    def _deeper(self, search: Search) -> Search:
        """The usual searches with a pool `DEEPER` times larger."""
        pool, dense, lexical = search.query.settings.candidate_pool * DEEPER, search.dense, search.lexical
        with self.indexes.lock:
            if search.vector is not None:
                ids, scores = self.indexes.vectors.search(search.vector, pool)
                dense = {int(i): float(s) for i, s in zip(ids, scores)}
            if search.lexical:
                ids, scores, _ = self.indexes.lexical.search(search.query.stems, pool)
                lexical = {int(i): float(s) for i, s in zip(ids, scores)}
        return replace(search, dense=dense, lexical=lexical)


@dataclass(frozen=True)
class Dated:
    """Only candidates whose article falls in the question's range stay."""

    name: str = "dated"

    def __call__(self, search: Search) -> Search:
        span = named_range(search)
        if span is None:
            return search
        zone = ZoneInfo(search.query.settings.timezone)
        keep = {cid: c for cid, c in search.stored.items() if (day := chunk_day(c, zone)) and span.contains(day)}
        return replace(search, stored=keep, dense={c: s for c, s in search.dense.items() if c in keep},
                       lexical={c: s for c, s in search.lexical.items() if c in keep})


def _on_topic(search: Search, items: list[T], score: Callable[[T], float], text: Callable[[T], str]) -> list[T]:
    """The items on the question's topic: scoring within `recency_margin` of the best one and covering the
    question's words nearly as well as it does (an unrelated passage can score close, but misses the words)."""
    best = max(items, key=score)
    if search.words is None:
        return [item for item in items if score(item) >= score(best) - search.query.settings.recency_margin]
    least = word_coverage(search.words.words, text(best)) - COVERAGE_SLACK
    return [item for item in items if score(item) >= score(best) - search.query.settings.recency_margin
            and word_coverage(search.words.words, text(item)) >= least]


def _asks_newest(search: Search) -> bool:
    """Whether the question asks for the newest without naming a time."""
    time_question = search.query.time
    return time_question is not None and time_question.asks_newest


@dataclass(frozen=True)
class Recency:
    """A question asking for the newest ("terbaru", "latest") takes the candidates on its topic (within
    `recency_margin` of the best) newest first; one naming no time gets a `recency_weight` bonus scaled by how
    new each of the top `rerank_depth` candidates is among them."""

    name: str = "recency"

    def __call__(self, search: Search) -> Search:
        query = search.query
        if not search.ranking or not query.settings.time_questions or (query.time and query.time.range):
            return search
        settings, zone = query.settings, ZoneInfo(query.settings.timezone)
        top = search.ranking[: settings.rerank_depth]
        days = {cid: chunk_day(search.shortlist[cid], zone) for cid, _ in top if cid in search.shortlist}
        known = [d for d in days.values() if d is not None]
        if len(set(known)) < 2:
            return search
        if _asks_newest(search):
            texts = {cid: search.shortlist[cid].text for cid, _ in top if cid in search.shortlist}
            on_topic = _on_topic(search, top, lambda pair: pair[1], lambda pair: texts.get(pair[0], ""))
            newest = sorted(on_topic, key=lambda pair: days.get(pair[0]) or date.min, reverse=True)
            return replace(search, ranking=newest + [pair for pair in search.ranking if pair not in on_topic])
        oldest, span = min(known), (max(known) - min(known)).days
        bonus = {cid: settings.recency_weight * ((day - oldest).days / span) for cid, day in days.items() if day}
        moved = sorted(((cid, s + bonus.get(cid, 0.0)) for cid, s in top), key=lambda pair: -pair[1])
        return replace(search, ranking=moved + search.ranking[len(top):])


@dataclass(frozen=True)
class NewestFirst:
    """A question asking for the newest gets its passages on topic (within `recency_margin` of the best) newest
    first, ahead of the others, renumbered."""

    name: str = "newest_first"

    def __call__(self, search: Search) -> Search:
        if not _asks_newest(search) or not search.passages:
            return search
        on_topic = _on_topic(search, search.passages, lambda p: p.score, lambda p: p.text)
        rest = [p for p in search.passages if p not in on_topic]
        zone = ZoneInfo(search.query.settings.timezone)
        by_day = sorted(on_topic, key=lambda p: p.article.published_at or _stored_at(search, p, zone), reverse=True)
        return replace(search, passages=[replace(p, rank=rank) for rank, p in enumerate(by_day + rest, 1)])


def _stored_at(search: Search, passage: AnswerPassage, zone: ZoneInfo) -> datetime:
    """When a passage's undated article was stored, on the readers' clock that publication times are on, for
    ordering it among dated ones."""
    chunk = search.shortlist.get(passage.chunk_ids[0]) if passage.chunk_ids else None
    if chunk is None or chunk.ingested_at is None:
        return datetime.min
    return wall_clock(chunk.ingested_at, zone)

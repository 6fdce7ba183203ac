"""The one service API every shell uses: add articles, ask, delete, list, stats, reindex.

Asking runs the search mode's pipeline (`retrieval.asking`); conversation memory, chat preferences and index
sync are services (`retrieval.services`) the library composes and delegates to, as are feeds (`library.feeds`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from retrieval.answer import Answer, AnswerPassage, Certainty, Citation, PassageContext
from retrieval.asking.dating import article_day, date_bounds
from retrieval.asking.pipeline import standard_pipelines
from retrieval.asking.query import Query, SearchMode
from retrieval.asking.shorthand import written_out
from retrieval.embedding.embedder import Embedder
from retrieval.embedding.protocol import TextEmbedder
from retrieval.feeds.service import FeedService
from retrieval.indexes.store import Indexes, claim_index_folder, passage_text, release_index_folder
from retrieval.indexes.container import DamagedIndex
from retrieval.indexes.vectors import VECTOR_FILE, ModelMismatch, VectorIndex
from retrieval.ingest.chunking import TextChunk, chunk_text
from retrieval.ingest.documents import ArticleDraft, UserError, normalise_metadata
from retrieval.ingest.substance import substance_refusal
from retrieval.ingest.text import clean_text, content_hash, guess_language
from retrieval.ingest.urls import canonical_url
from retrieval.ranking.coverage import mentions
from retrieval.ranking.followup import HistoryTurn, asks_for_source
from retrieval.ranking.timeframe import TimeQuestion, TimeRange, read_recency, read_time
from retrieval.services.conversations import ConversationMemory
from retrieval.services.preferences import ChatPreferences
from retrieval.services.sync import IndexSync
from retrieval.settings import Settings
from storage.database import make_engine, migrate
from storage.models import Article
from storage.repository import NewChunk, Repository, StoredChunk

LISTING = 5
"""Articles listed at a time: by `latest`, and for a question that is only a time."""
TOPIC_DEPTH = 50
"""Passages looked at to find the articles on a topic."""
TOPIC_MARGIN = 0.08
"""A passage scoring within this much of the best counts as about the same topic."""


CANONICAL_LINKS_DONE = ("library", "canonical_links_filled")


class IngestStatus(StrEnum):
    """What happened to one ingested item (a str, so it prints and serialises as its value)."""

    ADDED = "added"
    DUPLICATE = "duplicate"
    UPDATED = "updated"
    FAILED = "failed"


@dataclass(frozen=True)
class IngestResult:
    """What happened to one item: added, a duplicate, updated (its link's stored article replaced), or failed (with
    `error`)."""

    item: str
    status: IngestStatus
    article_id: int | None = None
    title: str = ""
    chunks: int = 0
    error: UserError | None = None


@dataclass(frozen=True)
class ArticleInfo:
    """An article as listed or shown to users."""

    id: int
    title: str
    url: str | None
    source: str | None
    author: str | None
    published_at: datetime | None
    ingested_at: datetime
    language: str | None
    chunks: int
    text: str = ""


@dataclass(frozen=True)
class Stats:
    """Counts for `/stats` and `tanya stats`."""

    articles: int
    chunks: int
    conversations_turns: int
    model: str
    index_kind: str
    last_ingested_at: datetime | None


@dataclass(frozen=True)
class ChannelInfo:
    """A channel whose posts are taken in: its name, posts stored and the newest post's date."""

    chat_id: int
    name: str
    posts: int
    last_post_at: datetime | None


@dataclass(frozen=True)
class RechunkReport:
    """What `rechunk` did: articles checked and re-split, and their chunk counts before and after."""

    articles: int
    rechunked: int
    chunks_before: int
    chunks_after: int


class Library:
    """A library of articles stored in a database and searchable by meaning and by words."""

    def __init__(self, settings: Settings, embedder: TextEmbedder | None = None, *, check_model: bool = True) -> None:
        """Open the library; `check_model=False` opens it to be rebuilt (`tanya reindex`) after a model change:
        an index of another model is discarded and the start-up repair, which needs this model's vectors, skipped."""
        self._settings = settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.engine = make_engine(settings.resolved_database_url)
        migrate(self.engine)
        self.repo = Repository(self.engine)
        _fill_canonical_links(self.repo)
        self.embedder = embedder or Embedder.from_settings(settings)
        folder = claim_index_folder(settings.data_dir / "index")
        try:
            if not check_model:
                _discard_foreign_index(folder, self.embedder.name, self.embedder.dim)
            self.indexes = Indexes(folder, self.repo, self.embedder.dim, self.embedder.name,
                                   settings.approximate_index_from, embed=lambda texts: self.embedder.passages(texts))
            self.repair_note = self.indexes.repair() if check_model else None
        except BaseException:
            release_index_folder(folder)
            raise
        self._index_claim: Path | None = folder
        self._last_save = time.monotonic()
        self.pipelines = standard_pipelines(self.embedder, self.indexes, self.repo)
        self.conversations = ConversationMemory(self.repo, settings, self.indexes)
        self.preferences = ChatPreferences(self.repo)
        self.index_sync = IndexSync(self.indexes, self.repo, settings, self._maybe_save)
        self.feeds = FeedService(self.repo, settings, self.add_articles)

    @property
    def settings(self) -> Settings:
        """The engine settings in force."""
        return self._settings

    @settings.setter
    def settings(self, settings: Settings) -> None:
        """Replace the settings everywhere they are read (the next question and the services see them)."""
        self._settings = self.conversations.settings = self.index_sync.settings = self.feeds.settings = settings

    def close(self) -> None:
        """Stop syncing, persist the indexes and release the database and the index folder."""
        self.stop_sync()
        self.indexes.save()
        self.engine.dispose()
        if self._index_claim is not None:
            release_index_folder(self._index_claim)
            self._index_claim = None

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _prepare(self, item: str, draft: ArticleDraft | UserError) -> tuple[ArticleDraft, list[TextChunk]] | IngestResult:
        """Validate and chunk one draft (normalised as a copy: the caller's keeps its own times and text), or say
        why it cannot be stored (no text, too long, no substance)."""
        if isinstance(draft, UserError):
            return IngestResult(item, IngestStatus.FAILED, error=draft)
        draft = normalise_metadata(draft, ZoneInfo(self.settings.timezone))
        text = clean_text(draft.text or "")
        if not text:
            return IngestResult(item, IngestStatus.FAILED, error=UserError("no_text", "the article has no text", item))
        if len(text) > self.settings.max_article_chars:
            return IngestResult(item, IngestStatus.FAILED, error=UserError(
                "too_large", f"the article is longer than {self.settings.max_article_chars:,} characters", item))
        if (refusal := substance_refusal(text, item)) is not None:
            return IngestResult(item, IngestStatus.FAILED, error=refusal)
        draft.text, draft.title = text, clean_text(draft.title or "")[:500]
        draft.language = draft.language or guess_language(text)
        return draft, self._chunk(text)

    def add_article(self, draft: ArticleDraft | UserError, item: str = "") -> IngestResult:
        """Store, chunk, embed and index one article (or report it as a duplicate or a failure)."""
        return next(iter(self.add_articles([(item, draft)])))

    def add_articles(self, items: Iterable[tuple[str, ArticleDraft | UserError]], batch_size: int = 256) -> Iterator[IngestResult]:
        """Ingest a stream of (item name, draft) in batches, yielding one result per item in order.

        An article whose canonical link is stored replaces the stored one when its text changed ("updated"); a
        batch never holds one link twice, so a later version always replaces an earlier one.
        """
        batch: list[tuple[str, ArticleDraft | UserError]] = []
        links: set[str] = set()
        for pair in items:
            link = canonical_url(pair[1].url) if isinstance(pair[1], ArticleDraft) else None
            if link is not None and link in links:
                yield from self._ingest_batch(batch)
                batch, links = [], set()
            batch.append(pair)
            if link is not None:
                links.add(link)
            if len(batch) >= batch_size:
                yield from self._ingest_batch(batch)
                batch, links = [], set()
        if batch:
            yield from self._ingest_batch(batch)
        self._maybe_save(force=True)

    def _ingest_batch(self, batch: list[tuple[str, ArticleDraft | UserError]]) -> list[IngestResult]:
        results: dict[int, IngestResult] = {}
        ready: list[tuple[int, str, ArticleDraft, list, str]] = []
        for position, (item, draft) in enumerate(batch):
            outcome = self._prepare(item, draft)
            if isinstance(outcome, IngestResult):
                results[position] = outcome
            else:
                ready.append((position, item, outcome[0], outcome[1], content_hash(outcome[0].text)))
        stored = self.repo.stored_hashes([digest for *_, digest in ready])
        linked = self.repo.stored_links([link for _, _, draft, _, _ in ready if (link := canonical_url(draft.url))])
        prepared, seen = [], set()
        for position, item, draft, chunks, digest in ready:
            if digest in stored or digest in seen:
                article_id, title = stored.get(digest, (None, draft.title))
                results[position] = IngestResult(item, IngestStatus.DUPLICATE, article_id, title)
                continue
            seen.add(digest)
            prepared.append((position, item, draft, chunks, digest))
        embedded = self._embed([(draft.title, chunks) for _, _, draft, chunks, _ in prepared])
        for (position, item, draft, chunks, digest), (texts, vectors) in zip(prepared, embedded):
            target = linked.get(canonical_url(draft.url) or "", (None, ""))[0]
            results[position] = (self._store(item, draft, chunks, texts, vectors, digest) if target is None
                                 else self._replace(target, item, draft, chunks, texts, vectors, digest))
        self._maybe_save()
        return [results[i] for i in range(len(batch))]

    def _store(self, item: str, draft: ArticleDraft, chunks: list[TextChunk], texts: list[str], vectors: np.ndarray,
               digest: str) -> IngestResult:
        """Commit one article with its chunks and vectors, then add them (indexed under `texts`) to the indexes."""
        link = canonical_url(draft.url)
        article = Article(title=draft.title, text=draft.text, url=draft.url, canonical_url=link, source=draft.source,
                          author=draft.author, published_at=draft.published_at, language=draft.language,
                          content_hash=digest, added_by=draft.added_by)
        stored = self.repo.add_article(article, _new_chunks(chunks, vectors), self.embedder.name)
        if stored is None:
            article_id, _ = self.repo.stored_hashes([digest]).get(digest, (None, ""))
            if article_id is None and link is not None and link in (taken := self.repo.stored_links([link])):
                return self._replace(taken[link][0], item, draft, chunks, texts, vectors, digest)
            return IngestResult(item, IngestStatus.DUPLICATE, article_id, draft.title)
        saved, ids = stored
        self.indexes.add(ids, vectors, [(text, draft.language) for text in texts])
        return IngestResult(item, IngestStatus.ADDED, saved.id, saved.title, len(ids))

    def _replace(self, article_id: int, item: str, draft: ArticleDraft, chunks: list[TextChunk], texts: list[str],
                 vectors: np.ndarray, digest: str) -> IngestResult:
        """Overwrite the stored article of the same link with this version (same id and link), swapping its chunks
        in one transaction; a duplicate when this text is stored meanwhile, as another article or as this one (a
        concurrent add of the same link that committed between our look-ups of hashes and of links)."""
        already, _ = self.repo.stored_hashes([digest]).get(digest, (None, ""))
        if already is not None:
            return IngestResult(item, IngestStatus.DUPLICATE, already, draft.title)
        fields = {"title": draft.title, "text": draft.text, "source": draft.source, "author": draft.author,
                  "published_at": draft.published_at, "language": draft.language, "content_hash": digest}
        swapped = self.repo.replace_article(article_id, fields, _new_chunks(chunks, vectors), self.embedder.name)
        if swapped is None:
            found, _ = self.repo.stored_hashes([digest]).get(digest, (None, ""))
            return IngestResult(item, IngestStatus.DUPLICATE, found, draft.title)
        old, new = swapped
        self.indexes.remove(old)
        self.indexes.add(new, vectors, [(text, draft.language) for text in texts])
        return IngestResult(item, IngestStatus.UPDATED, article_id, draft.title, len(new))

    def _maybe_save(self, force: bool = False) -> None:
        """Persist indexes now and then (every 30 s, and whenever `Indexes.save_every` chunks were added, which
        keeps a bulk ingest's memory flat); the database stays the truth in between."""
        if force or self.indexes.unsaved >= self.indexes.save_every or time.monotonic() - self._last_save > 30:
            self.indexes.save()
            self._last_save = time.monotonic()

    def ask(self, question: str, *, top_k: int | None = None, per_article: int = 1,
            mode: SearchMode | str = SearchMode.HYBRID, history: list[HistoryTurn] | None = None,
            conversation: str | None = None, highlight: bool = True, since: date | None = None,
            until: date | None = None, now: datetime | None = None) -> Answer:
        """Answer a question with the best passages; follow-ups use `history` or the stored conversation.

        A time the question names ("kemarin", "in May 2024"), or `since`/`until`, restricts the passages to
        articles of those days; "terbaru"/"latest" orders them newest first; a question that is only a time lists
        the articles of that time. `now` (default: the clock) is what relative times are read against.
        Without a background sync running, the indexes first catch up with other processes if they are stale.
        `answer.timings` tells how long each stage of the mode's pipeline took.
        """
        if not self.index_sync.running:
            self.sync_if_stale()
        question = written_out(clean_text(question))
        if history is None and conversation is not None:
            history = self.history(conversation)
        timed = self._read_time(question, since, until, now)
        top_k = top_k or self.settings.top_k
        about_source = asks_for_source(question)
        cited = history[-1].shown if history and about_source else None
        if cited is not None:
            found = bool(history[-1].article_ids)
            answer = Answer(question, found, [cited], certainty=Certainty.FOUND if found else Certainty.UNSURE)
        elif about_source:
            answer = Answer(question, False, certainty=Certainty.NOT_FOUND, vague=True)
        elif timed is not None and timed.only_time:
            answer = self._dated_listing(question, timed.range, max(top_k, LISTING))
            if answer.empty_time is not None and not answer.empty_time.relative:
                answer = self._about_the_time(question, answer, history, mode, top_k, per_article, highlight)
        else:
            answer = self._search(question, timed, history, mode, top_k, per_article, highlight)
        if conversation is not None:
            self.remember(conversation, question, answer)
        return answer

    def _search(self, question: str, timed: TimeQuestion | None, history: list[HistoryTurn] | None,
                mode: SearchMode | str, top_k: int, per_article: int, highlight: bool) -> Answer:
        """The passages answering the question (within the time it names), as one of the ask pipelines finds them."""
        asked = timed.text if timed is not None else question
        resolved = self.conversations.resolve(asked, history or [], typed=question)
        query = Query(asked, resolved, SearchMode(mode), top_k, per_article, highlight, self.settings, timed)
        if _names_nothing(question, bool(query.stems), bool(history)):
            return Answer(question, False, certainty=Certainty.NOT_FOUND, vague=True)
        answer = self.pipelines[query.mode].answer(query)
        if timed is not None and timed.range is not None and answer.confidence is not Certainty.FOUND:
            answer = self._outside_time(query, timed.range, answer)
        answer.question = question
        answer.by_date = timed is not None and timed.asks_newest and newest_first(answer.shown)
        return answer

    def _about_the_time(self, question: str, empty: Answer, history: list[HistoryTurn] | None,
                        mode: SearchMode | str, top_k: int, per_article: int, highlight: bool) -> Answer:
        """A question that names only a date no article was published in ("apa yang terjadi pada tahun 1998?")
        may still be about that time: the articles telling of it answer (or may be related) when the search finds
        them; otherwise `empty` says that nothing stored is from then."""
        topical = self._search(question, read_recency(question), history, mode, top_k, per_article, highlight)
        return empty if topical.confidence is Certainty.NOT_FOUND else topical

    def _outside_time(self, query: Query, span: TimeRange, within: Answer) -> Answer:
        """Nothing from the time a question names answers it surely (`within`). A related story of then (unsure, and
        sharing a word with the question) stands: a short note of today on the topic is worth more than last year's
        answer. Otherwise, when nothing from then is even near or an article of another time answers, the answer is
        not found with the nearest passage of any other time (its citation shows its date), rather than an empty
        answer that reads as an empty library or an unrelated story of those days as "maybe related"; `empty_time`
        says when no article at all is from then, `unanswered_time` when none of those answers (a named date no
        article falls in never gets here: `_read_time` reads it as part of the topic). The answer's timings count
        every search run."""
        words = within.words.seen if within.words is not None else ()
        if within.passages and within.confidence is Certainty.UNSURE and mentions(words, within.passages[0].text):
            return within
        answer = self.pipelines[query.mode].answer(replace(query, time=None))
        answer.timings = {stage: seconds + within.timings.get(stage, 0.0) for stage, seconds in answer.timings.items()}
        if within.passages and not (answer.confidence is Certainty.FOUND
                                    and not self._published_within(answer.passages[0], span)):
            within.timings = answer.timings
            return within
        answer.found, answer.certainty = False, Certainty.NOT_FOUND
        if self.repo.has_articles_within(date_bounds(span, ZoneInfo(self.settings.timezone))):
            answer.unanswered_time = span
        elif span.relative:
            answer.empty_time = span
        return answer

    def _published_within(self, passage: AnswerPassage, span: TimeRange) -> bool:
        """Whether a passage's article counts as published within a range of days."""
        day = _passage_day(passage, self.repo.chunks(passage.chunk_ids[:1]), ZoneInfo(self.settings.timezone))
        return day is not None and span.contains(day)

    def _read_time(self, question: str, since: date | None, until: date | None,
                   now: datetime | None) -> TimeQuestion | None:
        """The time the question names, or the `since`/`until` days; None when neither, or when time is off.

        A date the question names outright ("tahun 1998") that no stored article falls in is read as part of the
        question's topic, not as a publication time, unless the question asks for nothing but that time ("what
        happened in June 2024?"): its listing then says no stored article is from then.
        """
        if since is not None or until is not None:
            return TimeQuestion(TimeRange(since, until), False, question, False)
        if not self.settings.time_questions:
            return None
        zone = ZoneInfo(self.settings.timezone)
        timed = read_time(question, (now or datetime.now(timezone.utc)).astimezone(zone).date())
        if not timed.timed:
            return None
        if timed.range is not None and not timed.range.relative and not timed.only_time and not (
                self.repo.has_articles_within(date_bounds(timed.range, zone))):
            return read_recency(question)
        return timed

    def _dated_listing(self, question: str, span: TimeRange | None, limit: int) -> Answer:
        """The articles of a time (all times when None), newest first, each by its opening passage; none, with
        `empty_time` set, when no article is from that time."""
        bounds = date_bounds(span, ZoneInfo(self.settings.timezone)) if span is not None else None
        articles = self.repo.articles_by_date(bounds, limit=limit, wall_clock=self._wall_clock())
        passages = [passage for rank, article in enumerate(articles, 1)
                    if (passage := self._opening(rank, article)) is not None]
        return Answer(question, bool(passages), passages, by_date=True, empty_time=None if passages else span)

    def _wall_clock(self) -> timedelta:
        """How far the readers' clock (`timezone`) is ahead of UTC now: publication times are on it, ingestion
        times in UTC."""
        return datetime.now(ZoneInfo(self.settings.timezone)).utcoffset() or timedelta()

    def _opening(self, rank: int, article: Article) -> AnswerPassage | None:
        """An article's first passage, cited."""
        chunks = self.repo.article_chunks(article.id)[:1]
        return _cited_chunk(rank, 0.0, article, chunks[0]) if chunks else None

    def latest(self, topic: str | None = None, offset: int = 0, limit: int = LISTING) -> list[ArticleInfo]:
        """The newest stored articles (on `topic` when given: those the topic's passages come from), newest first."""
        ids = None
        if topic:
            ids = [p.article.id for p in self._on_topic(topic, TOPIC_DEPTH)]
            if not ids:
                return []
        articles = self.repo.articles_by_date(None, offset, limit, article_ids=ids, wall_clock=self._wall_clock())
        counts = self.repo.chunk_counts([a.id for a in articles])
        return [_info(a, counts[a.id]) for a in articles]

    def timeline(self, topic: str, limit: int = 8) -> Answer:
        """The best passages about a topic, one per article, oldest first, each with its key sentence marked."""
        zone = ZoneInfo(self.settings.timezone)
        passages = self._on_topic(topic, limit)
        stored = self.repo.chunks([p.chunk_ids[0] for p in passages if p.chunk_ids])
        day = {p.rank: _passage_day(p, stored, zone) for p in passages}
        ordered = sorted(passages, key=lambda p: day[p.rank] or date.max)
        return Answer(topic, bool(ordered), [replace(p, rank=i) for i, p in enumerate(ordered, 1)], by_date=True)

    def _on_topic(self, topic: str, limit: int) -> list[AnswerPassage]:
        """Passages about a topic, one per article: those scoring near the best one of an answer that was found."""
        answer = self.ask(topic, top_k=limit)
        if not answer.found or not answer.passages:
            return []
        best = answer.passages[0].score
        return [p for p in answer.passages if p.score >= best - TOPIC_MARGIN]

    def history(self, conversation: str) -> list[HistoryTurn]:
        """The recent turns of a conversation, oldest first."""
        return self.conversations.history(conversation)

    def answered_turn(self, conversation: str, message_id: int) -> HistoryTurn | None:
        """The recent turn of a conversation whose answer the chat message `message_id` showed, if still kept."""
        return self.conversations.answered_turn(conversation, message_id)

    def mark_answer(self, turn_id: int, message_ids: list[int]) -> None:
        """Record the chat messages that showed a turn's answer, so a reply to one of them continues that turn."""
        self.conversations.mark_answer(turn_id, message_ids)

    def remember(self, conversation: str, question: str, answer: Answer) -> None:
        """Store a turn so the next question can lean on it, with its passages for a later 'more passages'."""
        self.conversations.remember(conversation, question, answer)

    def turn_passages(self, conversation: str, turn_id: int) -> list[AnswerPassage] | None:
        """The passages a recent answer in this conversation gave (None once the turn is no longer kept)."""
        return self.conversations.turn_passages(conversation, turn_id)

    def turn_page(self, conversation: str, turn_id: int, start: int,
                  size: int) -> tuple[list[AnswerPassage], int | None] | None:
        """Up to `size` of a recent answer's passages from position `start` on, and where the next page starts (None:
        no passage is left), skipping those whose article was deleted or edited since (a page is filled from the
        later ones); None once the conversation no longer keeps that turn."""
        passages = self.turn_passages(conversation, turn_id)
        if passages is None:
            return None
        kept = [(at, p) for at, p in enumerate(passages) if at >= start and self._still_stored(p)]
        page = kept[:size]
        end = page[-1][0] + 1 if len(page) == size else len(passages)
        return [p for _, p in page], (end if len(kept) > size else None)

    def _still_stored(self, passage: AnswerPassage) -> bool:
        """Whether the passage's article still holds it as it was: a kept answer never shows a deleted article, or
        the old text of an edited one."""
        now = self.repo.article_slice(passage.article.id, passage.char_start, passage.char_end)
        return now is not None and now.text == passage.text

    def reset_conversation(self, conversation: str) -> int:
        """Forget a conversation's history."""
        return self.conversations.reset(conversation)

    def chat_setting(self, conversation: str, name: str) -> str | None:
        """A preference stored for a conversation (for example its reply language)."""
        return self.preferences.get(conversation, name)

    def set_chat_setting(self, conversation: str, name: str, value: str) -> None:
        """Store a preference for a conversation; every process sees it."""
        self.preferences.set(conversation, name, value)

    def count_channel_post(self, chat_id: int, name: str, posted_at: datetime | None) -> None:
        """Count a newly stored post of a channel, for `channels`."""
        self.repo.count_channel_post(chat_id, name, posted_at)

    def channels(self) -> list[ChannelInfo]:
        """The channels whose posts were taken in, most recently posting first."""
        return [ChannelInfo(c.chat_id, c.name, c.posts, c.last_post_at) for c in self.repo.channels()]

    def delete(self, article_id: int) -> bool:
        """Remove an article from the database and both indexes."""
        chunk_ids = self.repo.delete_article(article_id)
        if chunk_ids is None:
            return False
        self.indexes.remove(chunk_ids)
        self._maybe_save(force=True)
        return True

    def get(self, article_id: int) -> ArticleInfo | None:
        """One article with its text."""
        article = self.repo.get_article(article_id)
        return _info(article, self.repo.chunk_counts([article_id])[article_id], with_text=True) if article else None

    def list(self, offset: int = 0, limit: int = 20) -> list[ArticleInfo]:
        """Recent articles, newest first."""
        articles = self.repo.list_articles(offset, limit)
        counts = self.repo.chunk_counts([a.id for a in articles])
        return [_info(a, counts[a.id]) for a in articles]

    def context(self, article_id: int, char_start: int, char_end: int, window: int = 400) -> PassageContext | None:
        """The article text around a passage, for a 'show context' view (None when the article is gone)."""
        start = max(0, char_start - window)
        found = self.repo.article_slice(article_id, start, char_end + window)
        if found is None:
            return None
        cited = Citation(article_id, found.title, found.url, found.source, found.published_at)
        return PassageContext(cited, found.text, char_start - start, char_end - start,
                              start > 0, start + len(found.text) < found.length)

    def stats(self) -> Stats:
        """Counts of the library."""
        counts = self.repo.counts()
        return Stats(counts["articles"], counts["chunks"], counts["turns"], self.embedder.name,
                     self.indexes.vectors.kind, self.repo.last_ingested_at())

    def reindex(self, approximate: bool | None = None) -> int:
        """Re-embed chunks whose vectors came from another model or fail their checksum, then rebuild both indexes."""
        stale = [row.chunk_id for rows in self.repo.iter_embeddings() for row in rows
                 if row.embedding is None or row.model != self.embedder.name or not row.intact]
        for start in range(0, len(stale), 512):
            part = stale[start : start + 512]
            rows = [r for batch in self.repo.iter_chunk_texts(part) for r in batch]
            vectors = self.embedder.passages([passage_text(title, text) for _, text, title, _ in rows])
            self.repo.set_embeddings({r[0]: v.astype(np.float32).tobytes() for r, v in zip(rows, vectors)},
                                     self.embedder.name)
        return self.indexes.rebuild(approximate)

    def rechunk(self, batch_size: int = 64, progress: Callable[[int], None] | None = None,
                rebuild: bool = True) -> RechunkReport:
        """Re-split stored articles whose chunks differ from the current chunk settings, re-embedding only those.

        Each article's chunks are swapped in one transaction, so a crash leaves every article whole (old or new
        chunks). The indexes are then rebuilt once (`rebuild=False` leaves that to a rebuild that follows, as in
        `tanya reindex`); until then, and after a crash, the start-up repair brings them back in step.
        `progress` hears how many articles each batch checked.
        """
        checked = rechunked = before = after = 0
        for batch in self.repo.iter_article_chunking(batch_size):
            checked += len(batch)
            resplit = [(article, self._chunk(article.text)) for article in batch]
            changed = [(article, chunks) for article, chunks in resplit
                       if tuple((c.start, c.end) for c in chunks) != article.spans]
            embedded = self._embed([(article.title, chunks) for article, chunks in changed])
            for (article, chunks), (_, vectors) in zip(changed, embedded):
                swapped = self.repo.replace_chunks(article.id, _new_chunks(chunks, vectors), self.embedder.name)
                if swapped is not None:
                    rechunked, before, after = rechunked + 1, before + len(swapped[0]), after + len(swapped[1])
            if progress is not None:
                progress(len(batch))
        if rebuild and rechunked:
            self.indexes.rebuild()
        return RechunkReport(checked, rechunked, before, after)

    def _chunk(self, text: str) -> list[TextChunk]:
        """An article text split with the current chunk settings."""
        return chunk_text(text, self.settings.chunk_words, self.settings.chunk_overlap_sentences)

    def _embed(self, groups: list[tuple[str, list[TextChunk]]]) -> list[tuple[list[str], np.ndarray]]:
        """Each (title, chunks) group's indexed texts and vectors, all embedded in one call."""
        texts = [passage_text(title, c.text) for title, chunks in groups for c in chunks]
        vectors = self.embedder.passages(texts)
        embedded, offset = [], 0
        for _, chunks in groups:
            embedded.append((texts[offset : offset + len(chunks)], vectors[offset : offset + len(chunks)]))
            offset += len(chunks)
        return embedded

    def sync(self) -> int:
        """Catch up with changes any process committed to the database; returns chunks added or removed."""
        return self.index_sync.sync()

    def sync_if_stale(self, max_age_seconds: float | None = None) -> int:
        """Sync if the last sync is older than `max_age_seconds` (default: the sync interval); cheap otherwise."""
        return self.index_sync.sync_if_stale(max_age_seconds)

    def start_sync(self, interval_seconds: float | None = None) -> None:
        """Sync every `interval_seconds` (default: the sync interval setting) in a background thread."""
        self.index_sync.start(interval_seconds)

    def stop_sync(self) -> None:
        """Stop the background sync thread, if running, and wait for it."""
        self.index_sync.stop()


def _fill_canonical_links(repo: Repository) -> None:
    """Once per database: give articles stored before links were canonical their canonical link (when two share
    one, the older keeps it); articles stored since get theirs when stored."""
    if repo.get_setting(*CANONICAL_LINKS_DONE):
        return
    after = 0
    while rows := repo.links_without_canonical(after):
        links = {article_id: link for article_id, url in rows if (link := canonical_url(url))}
        if links:
            repo.set_canonical_urls(links)
        after = rows[-1][0]
    repo.set_setting(*CANONICAL_LINKS_DONE, "yes")


def _cited_chunk(rank: int, score: float, article: Article, chunk: StoredChunk) -> AnswerPassage:
    """One stored chunk as a passage, cited with its article."""
    return AnswerPassage(rank, score, chunk.text, chunk.char_start, chunk.char_end,
                         Citation(article.id, article.title, article.url, article.source, article.published_at),
                         (chunk.id,))


def _new_chunks(chunks: list[TextChunk], vectors: np.ndarray) -> list[NewChunk]:
    """Chunks ready for the database, each with its float32 vector."""
    return [NewChunk(c.ordinal, c.text, c.start, c.end, v.astype(np.float32).tobytes()) for c, v in zip(chunks, vectors)]


def _discard_foreign_index(folder: Path, model: str, dim: int) -> None:
    """Remove a vector index built by another model so that a re-index can start clean (a damaged one is set aside
    when the indexes open)."""
    try:
        VectorIndex.load(folder, model, dim)
    except ModelMismatch:
        (folder / VECTOR_FILE).unlink(missing_ok=True)
    except DamagedIndex:
        pass


def _passage_day(passage: AnswerPassage, stored: dict[int, StoredChunk], zone: ZoneInfo) -> date | None:
    """The day a passage's article counts as published on."""
    chunk = stored.get(passage.chunk_ids[0]) if passage.chunk_ids else None
    return article_day(passage.article.published_at, chunk.ingested_at if chunk else None, zone)


def _info(article: Article, chunks: int, with_text: bool = False) -> ArticleInfo:
    """Turn a stored article into the value shown to users."""
    return ArticleInfo(article.id, article.title, article.url, article.source, article.author, article.published_at,
                       article.ingested_at, article.language, chunks, article.text if with_text else "")


def _names_nothing(question: str, has_content_words: bool, has_history: bool) -> bool:
    """Whether a question names nothing to look for: with no earlier turn to lean on, no word beyond question words
    ("siapa?") or no letter at all ("12345": some code or count, out of any context); whatever came before, not even
    a letter or digit ("?")."""
    if not any(char.isalnum() for char in question):
        return True
    return not has_history and (not has_content_words or not any(char.isalpha() for char in question))


def newest_first(passages: list[AnswerPassage]) -> bool:
    """Whether the passages shown are at least two and run from the newest article to the oldest, so an answer
    may say it is sorted by date (a "terbaru" question whose older story clearly answers better is not)."""
    days = [p.article.published_at for p in passages]
    return len(days) > 1 and None not in days and all(a >= b for a, b in zip(days, days[1:]))

"""The one service API every shell uses: add articles, ask, delete, list, stats, reindex."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from retrieval.ranking.abstain import ABSTAIN_WEIGHTS, Evidence, Signals, confidence
from retrieval.ranking.coverage import WeightedWords, question_words, sentence_coverage
from retrieval.answer import Answer, AnswerPassage, PassageContext, select_passages
from retrieval.ingest.chunking import Passage, chunk_text
from retrieval.ingest.documents import ArticleDraft, UserError, normalise_metadata
from retrieval.embedding.embedder import Embedder
from retrieval.embedding.protocol import TextEmbedder
from retrieval.ranking.followup import HistoryTurn, order_within_articles, resolve, turn_of
from retrieval.ranking.fusion import FusionWeights, fuse, ranked
from retrieval.ranking.highlight import KEY_SENTENCE_WEIGHTS, SENTENCE_WEIGHTS, QuestionCues, best_sentence
from retrieval.indexes.store import Indexes, claim_index_folder, passage_text, release_index_folder
from retrieval.indexes.lexical import query_terms
from retrieval.ranking.rerank import rescore
from retrieval.settings import Settings
from retrieval.ingest.text import clean_text, content_hash, guess_language
from retrieval.indexes.vectors import VectorIndex
from storage.database import make_engine, migrate
from storage.models import Article
from storage.repository import NewChunk, Repository, StoredChunk

log = logging.getLogger(__name__)
PRUNE_EVERY_SECONDS = 3600.0


@dataclass(frozen=True)
class IngestResult:
    """What happened to one item: status is 'added', 'duplicate' or 'failed' (with `error`)."""

    item: str
    status: str
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
        self.settings = settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.engine = make_engine(settings.resolved_database_url)
        migrate(self.engine)
        self.repo = Repository(self.engine)
        self.embedder = embedder or Embedder.from_settings(settings)
        self.weights = FusionWeights()
        folder = claim_index_folder(settings.data_dir / "index")
        try:
            if not check_model:
                _discard_foreign_index(folder, self.embedder.name)
            self.indexes = Indexes(folder, self.repo, self.embedder.dim, self.embedder.name,
                                   settings.approximate_index_from)
            self.repair_note = self.indexes.repair() if check_model else None
        except BaseException:
            release_index_folder(folder)
            raise
        self._index_claim: Path | None = folder
        self._last_sync = time.monotonic()
        self._sync_stop = threading.Event()
        self._sync_thread: threading.Thread | None = None
        self._last_save = time.monotonic()
        self._last_prune = -PRUNE_EVERY_SECONDS

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

    def _prepare(self, item: str, draft: ArticleDraft | UserError) -> tuple[ArticleDraft, list[Passage]] | IngestResult:
        """Validate and chunk one draft, or say why it cannot be stored."""
        if isinstance(draft, UserError):
            return IngestResult(item, "failed", error=draft)
        draft = normalise_metadata(draft)
        text = clean_text(draft.text or "")
        if not text:
            return IngestResult(item, "failed", error=UserError("no_text", "the article has no text", item))
        if len(text) > self.settings.max_article_chars:
            return IngestResult(item, "failed", error=UserError(
                "too_large", f"the article is longer than {self.settings.max_article_chars:,} characters", item))
        draft.text, draft.title = text, clean_text(draft.title or "")[:500]
        draft.language = draft.language or guess_language(text)
        return draft, self._chunk(text)

    def add_article(self, draft: ArticleDraft | UserError, item: str = "") -> IngestResult:
        """Store, chunk, embed and index one article (or report it as a duplicate or a failure)."""
        return next(iter(self.add_articles([(item, draft)])))

    def add_articles(self, items: Iterable[tuple[str, ArticleDraft | UserError]], batch_size: int = 256) -> Iterator[IngestResult]:
        """Ingest a stream of (item name, draft) in batches, yielding one result per item in order."""
        batch: list[tuple[str, ArticleDraft | UserError]] = []
        for pair in items:
            batch.append(pair)
            if len(batch) >= batch_size:
                yield from self._ingest_batch(batch)
                batch = []
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
        prepared, seen = [], set()
        for position, item, draft, chunks, digest in ready:
            if digest in stored or digest in seen:
                article_id, title = stored.get(digest, (None, draft.title))
                results[position] = IngestResult(item, "duplicate", article_id, title)
                continue
            seen.add(digest)
            prepared.append((position, item, draft, chunks, digest))
        embedded = self._embed([(draft.title, chunks) for _, _, draft, chunks, _ in prepared])
        for (position, item, draft, chunks, digest), (texts, vectors) in zip(prepared, embedded):
            results[position] = self._store(item, draft, chunks, texts, vectors, digest)
        self._maybe_save()
        return [results[i] for i in range(len(batch))]

    def _store(self, item: str, draft: ArticleDraft, chunks: list[Passage], texts: list[str], vectors: np.ndarray,
               digest: str) -> IngestResult:
        """Commit one article with its chunks and vectors, then add them (indexed under `texts`) to the indexes."""
        article = Article(title=draft.title, text=draft.text, url=draft.url, source=draft.source, author=draft.author,
                          published_at=draft.published_at, language=draft.language, content_hash=digest,
                          added_by=draft.added_by)
        stored = self.repo.add_article(article, _new_chunks(chunks, vectors), self.embedder.name)
        if stored is None:
            article_id, _ = self.repo.stored_hashes([digest]).get(digest, (None, ""))
            return IngestResult(item, "duplicate", article_id, draft.title)
        saved, ids = stored
        self.indexes.add(ids, vectors, [(text, draft.language) for text in texts])
        return IngestResult(item, "added", saved.id, saved.title, len(ids))

    def _maybe_save(self, force: bool = False) -> None:
        """Persist indexes now and then; the database stays the truth in between."""
        if force or time.monotonic() - self._last_save > 30:
            self.indexes.save()
            self._last_save = time.monotonic()

    def ask(self, question: str, *, top_k: int | None = None, per_article: int = 1, mode: str = "hybrid",
            history: list[HistoryTurn] | None = None, conversation: str | None = None,
            highlight: bool = True) -> Answer:
        """Answer a question with the best passages; follow-ups use `history` or the stored conversation.

        Without a background sync running, the indexes first catch up with other processes if they are stale.
        """
        if self._sync_thread is None:
            self.sync_if_stale()
        top_k = top_k or self.settings.top_k
        question = clean_text(question)
        if history is None and conversation is not None:
            history = self.history(conversation)
        resolved = resolve(question, history or [])
        uses_vectors = mode != "lexical"
        query_vector = self.embedder.query(resolved.text) if uses_vectors else None
        stems = query_terms(resolved.text)
        language = guess_language(resolved.text)
        candidates, signals, stored = self._candidates(query_vector, stems, mode, language, resolved.prefer_articles,
                                                       question)
        chunks = {cid: stored[cid] for cid, _ in candidates[: self.settings.candidate_pool] if cid in stored}
        with self.indexes.lock:
            weighted = question_words(self.indexes.lexical, question)
        cues = QuestionCues.of(question, weighted.stem_weights)
        if mode == "hybrid":
            texts = {cid: c.text for cid, c in chunks.items()}
            owners = {cid: c.article_id for cid, c in chunks.items()}
            candidates = rescore(candidates, texts, owners, cues, SENTENCE_WEIGHTS, self.settings.rerank_depth,
                                 self.settings.rerank_weight, self.settings.rerank_within_article)
        passages = self._exact_texts(select_passages(candidates, chunks, top_k, per_article))
        if highlight and passages:
            self._highlight(passages, cues)
        found = self._is_answered(passages, chunks, mode, signals, weighted.words, language)
        answer = Answer(question, found, passages, resolved.text if resolved.is_followup else None)
        if conversation is not None:
            self.remember(conversation, question, answer)
        return answer

    def _candidates(self, query_vector: np.ndarray | None, stems: list[str], mode: str, query_language: str,
                    prefer: frozenset[int], own_wording: str,
                    ) -> tuple[list[tuple[int, float]], Signals, dict[int, StoredChunk]]:
        """Chunk ids with scores, best first, the raw dense and lexical signals, and the candidates' stored chunks.

        A follow-up (`prefer` holds the articles its context cited) favours those articles' chunks, and orders
        them by its `own_wording`, embedded only when such chunks are among the candidates.
        """
        pool = self.settings.candidate_pool
        with self.indexes.lock:
            dense_ids, dense_scores = self.indexes.vectors.search(query_vector, pool) if mode != "lexical" else ([], [])
            lex_ids, lex_scores, coverage = self.indexes.lexical.search(stems, pool) if mode != "dense" else ([], [], 0.0)
        dense = {int(i): float(s) for i, s in zip(dense_ids, dense_scores)}
        lexical = {int(i): float(s) for i, s in zip(lex_ids, lex_scores)}
        signals = Signals(dense)
        if mode == "lexical":
            return ranked(lexical), signals, self.repo.chunks(list(lexical))
        if mode == "dense":
            return ranked(dense), signals, self.repo.chunks(list(dense))
        stored = self.repo.chunks(list(set(dense) | set(lexical)))
        same = {cid: (c.language or "id") == query_language for cid, c in stored.items()}
        fused = fuse(dense, lexical, coverage, same, self.weights)
        if prefer:
            bonus = self.settings.followup_article_bonus
            cited = {cid for cid in fused if cid in stored and stored[cid].article_id in prefer}
            fused = {cid: s + (bonus if cid in cited else 0.0) for cid, s in fused.items()}
            if cited:
                own_vector = self.embedder.query(own_wording)
                own = {cid: float(v @ own_vector) for cid, v in self.indexes.stored_vectors(list(cited)).items()}
                fused = order_within_articles(fused, {cid: stored[cid].article_id for cid in own}, own)
        return ranked(fused), signals, stored

    def _exact_texts(self, passages: list[AnswerPassage]) -> list[AnswerPassage]:
        """Give passages merged from neighbouring chunks the article's own text between them (a space or a line break)."""
        for passage in passages:
            if len(passage.chunk_ids) > 1 and (exact := self.repo.article_slice(
                    passage.article.id, passage.char_start, passage.char_end)) is not None:
                passage.text = exact.text
        return passages

    def _is_answered(self, passages: list[AnswerPassage], chunks: dict[int, StoredChunk], mode: str,
                     signals: Signals, words: WeightedWords, language: str) -> bool:
        """Whether the best passage answers rather than merely relates (weights and threshold from the dev data)."""
        if not passages:
            return False
        if mode == "lexical":
            return True
        best = passages[0]
        cosine = max((signals.dense.get(cid, 0.0) for cid in best.chunk_ids), default=0.0)
        if not cosine:
            cosine = min(signals.dense.values(), default=best.score)
        stored = chunks.get(best.chunk_ids[0])
        cross = stored is not None and (stored.language or "id") != language
        coverage = sentence_coverage(words, best.text)
        evidence = Evidence(cosine, signals.gap(cosine, ABSTAIN_WEIGHTS.neutral_gap), coverage, cross)
        return confidence(evidence, ABSTAIN_WEIGHTS) >= self.settings.abstain_threshold

    def _highlight(self, passages: list[AnswerPassage], cues: QuestionCues) -> None:
        """Mark each passage's key sentence: the one with most question stems and answer-type evidence."""
        for passage in passages:
            passage.highlight = best_sentence(passage.text, cues, KEY_SENTENCE_WEIGHTS)[0]

    def history(self, conversation: str) -> list[HistoryTurn]:
        """The recent turns of a conversation, oldest first."""
        turns = self.repo.recent_turns(conversation, self.settings.history_turns)
        return [HistoryTurn(t.question, tuple(int(i) for i in t.article_ids.split(",") if i), t.answer) for t in turns]

    def remember(self, conversation: str, question: str, answer: Answer) -> None:
        """Store a turn so the next question can lean on it, with its passages for a later 'more passages'."""
        turn = turn_of(question, answer)
        passages = json.dumps([p.as_dict() for p in answer.passages], ensure_ascii=False)
        answer.turn_id = self.repo.add_turn(conversation, turn.question, turn.answer, turn.article_ids,
                                            self.settings.history_turns, passages)

    def turn_passages(self, conversation: str, turn_id: int) -> list[AnswerPassage] | None:
        """The passages a recent answer in this conversation gave (None once the turn is no longer kept)."""
        turn = self.repo.get_turn(turn_id)
        if turn is None or turn.conversation != conversation or not turn.passages:
            return None
        return [AnswerPassage.from_dict(item) for item in json.loads(turn.passages)]

    def chat_setting(self, conversation: str, name: str) -> str | None:
        """A preference stored for a conversation (for example its reply language)."""
        return self.repo.get_setting(conversation, name)

    def set_chat_setting(self, conversation: str, name: str, value: str) -> None:
        """Store a preference for a conversation; every process sees it."""
        self.repo.set_setting(conversation, name, value)

    def reset_conversation(self, conversation: str) -> int:
        """Forget a conversation's history."""
        return self.repo.clear_turns(conversation)

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
        return PassageContext(found.title, found.text, char_start - start, char_end - start,
                              start > 0, start + len(found.text) < found.length)

    def stats(self) -> Stats:
        """Counts of the library."""
        counts = self.repo.counts()
        return Stats(counts["articles"], counts["chunks"], counts["turns"], self.embedder.name,
                     self.indexes.vectors.kind, self.repo.last_ingested_at())

    def reindex(self, approximate: bool | None = None) -> int:
        """Re-embed chunks whose vectors came from another model, then rebuild both indexes."""
        stale = [cid for rows in self.repo.iter_embeddings() for cid, blob, model in rows
                 if blob is None or model != self.embedder.name]
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

    def _chunk(self, text: str) -> list[Passage]:
        """An article text split with the current chunk settings."""
        return chunk_text(text, self.settings.chunk_words, self.settings.chunk_overlap_sentences)

    def _embed(self, groups: list[tuple[str, list[Passage]]]) -> list[tuple[list[str], np.ndarray]]:
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
        applied = self.indexes.catch_up()
        self._last_sync = time.monotonic()
        self._prune_feed()
        if applied:
            self._maybe_save()
        return applied

    def _prune_feed(self) -> None:
        """Now and then, drop change-feed rows older than the retention; a process that far behind re-syncs in full."""
        if time.monotonic() - self._last_prune < PRUNE_EVERY_SECONDS:
            return
        self._last_prune = time.monotonic()
        cutoff = datetime.now(timezone.utc) - timedelta(days=self.settings.feed_retention_days)
        pruned = self.repo.prune_changes(cutoff)
        if pruned:
            log.info("pruned %d change-feed rows older than %s", pruned, cutoff.isoformat(timespec="seconds"))

    def sync_if_stale(self, max_age_seconds: float | None = None) -> int:
        """Sync if the last sync is older than `max_age_seconds` (default: the sync interval); cheap otherwise."""
        limit = self.settings.sync_interval_seconds if max_age_seconds is None else max_age_seconds
        return self.sync() if time.monotonic() - self._last_sync >= limit else 0

    def start_sync(self, interval_seconds: float | None = None) -> None:
        """Sync every `interval_seconds` (default: the sync interval setting) in a background thread."""
        if self._sync_thread is not None:
            return
        interval = self.settings.sync_interval_seconds if interval_seconds is None else interval_seconds
        self._sync_stop.clear()
        self._sync_thread = threading.Thread(target=self._sync_loop, args=(interval,), name="tanya-sync", daemon=True)
        self._sync_thread.start()

    def stop_sync(self) -> None:
        """Stop the background sync thread, if running, and wait for it."""
        thread, self._sync_thread = self._sync_thread, None
        if thread is not None:
            self._sync_stop.set()
            thread.join()

    def _sync_loop(self, interval: float) -> None:
        """Sync until stopped; a failed round (say, the database restarting) is logged and retried."""
        while not self._sync_stop.wait(interval):
            try:
                self.sync()
            except Exception:
                log.exception("index sync failed; retrying in %.0f s", interval)


def _new_chunks(chunks: list[Passage], vectors: np.ndarray) -> list[NewChunk]:
    """Chunks ready for the database, each with its float32 vector."""
    return [NewChunk(c.ordinal, c.text, c.start, c.end, v.astype(np.float32).tobytes()) for c, v in zip(chunks, vectors)]


def _discard_foreign_index(folder: Path, model: str) -> None:
    """Remove a vector index built by another model so that a re-index can start clean."""
    try:
        VectorIndex.load(folder, model)
    except Exception:
        for name in ("vectors.faiss", "vectors.json"):
            (folder / name).unlink(missing_ok=True)


def _info(article: Article, chunks: int, with_text: bool = False) -> ArticleInfo:
    """Turn a stored article into the value shown to users."""
    return ArticleInfo(article.id, article.title, article.url, article.source, article.author, article.published_at,
                       article.ingested_at, article.language, chunks, article.text if with_text else "")

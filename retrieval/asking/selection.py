"""Selection stages: the ranked candidates become passages in the article's exact words, then judged."""

from __future__ import annotations

from dataclasses import dataclass, replace

from retrieval.answer import AnswerPassage, Certainty, select_passages
from retrieval.asking.query import Search
from retrieval.indexes.store import passage_text
from retrieval.ranking.abstain import ABSTAIN_WEIGHTS, Evidence, Signals, certainty
from retrieval.ranking.coverage import mentions, sentence_coverage
from retrieval.ranking.duplicates import fold_duplicates
from storage.repository import Repository


@dataclass(frozen=True)
class Selection:
    """The best shortlisted chunks, at most `per_article` per article and `top_k` articles, neighbours merged
    into the article's own text between them (a space or a line break); the same story stored twice is one
    passage that is `also_in` the other article (so twice as many articles are looked at to fill `top_k`)."""

    repo: Repository
    name: str = "selection"

    def __call__(self, search: Search) -> Search:
        query = search.query
        picked = select_passages(search.ranking, search.shortlist, 2 * query.top_k, query.per_article)
        passages = fold_duplicates([self._exact(p) for p in picked])
        articles = list(dict.fromkeys(p.article.id for p in passages))[:query.top_k]
        return replace(search, passages=[p for p in passages if p.article.id in articles])

    def _exact(self, passage: AnswerPassage) -> AnswerPassage:
        """A passage merged from several chunks with the article's text between them."""
        if len(passage.chunk_ids) > 1 and (exact := self.repo.article_slice(
                passage.article.id, passage.char_start, passage.char_end)) is not None:
            return replace(passage, text=exact.text)
        return passage


def evidence(search: Search) -> Evidence | None:
    """What the best passage offers as an answer to the question (None without passages). Across languages only the
    question words the library has seen count: the others are untranslated, not missing. A follow-up's searches
    carry the earlier turn's words and its passage is the turn's article's, so agreement cannot be told: it counts.
    The headline counts with the passage's sentences: a question may name the story by words only its title holds
    ("banjir" of "Banjir rendam 40 RT di Jakarta Timur")."""
    if not search.passages:
        return None
    best = search.passages[0]
    signals = Signals(search.dense)
    cosine = max((signals.dense.get(cid, 0.0) for cid in best.chunk_ids), default=0.0)
    if not cosine:
        cosine = min(signals.dense.values(), default=best.score)
    stored = search.shortlist.get(best.chunk_ids[0])
    cross = stored is not None and (stored.language or "id") != search.query.language
    words = search.words.seen if cross else search.words.words
    agree = search.query.resolved.is_followup or (
        _tells(best, first_of(search.dense), search) and _tells(best, first_of(search.lexical), search))
    unseen = not cross and search.words.unseen > 0
    coverage = sentence_coverage(words, passage_text(best.article.title, best.text))
    return Evidence(cosine, signals.gap(cosine, ABSTAIN_WEIGHTS.neutral_gap), coverage, cross, agree, unseen)


def _tells(passage: AnswerPassage, chunk_id: int | None, search: Search) -> bool:
    """Whether the chunk is the passage's, or belongs to an article telling the same story (folded into it as
    `also_in`): two searches finding the two copies of one story agree."""
    if chunk_id in passage.chunk_ids:
        return True
    chunk = search.shortlist.get(chunk_id) if chunk_id is not None else None
    return chunk is not None and any(chunk.article_id == other.id for other in passage.also_in)


def first_of(scores: dict[int, float]) -> int | None:
    """The best-scoring chunk of one search (None when it found nothing)."""
    return max(scores, key=scores.__getitem__, default=None)


@dataclass(frozen=True)
class Confidence:
    """Whether the best passage answers (found), may be related (unsure) or not (not found); weights and the two
    thresholds from the dev data. A follow-up that guessed which older turn it continues is at most unsure."""

    name: str = "confidence"

    def __call__(self, search: Search) -> Search:
        offered = evidence(search)
        if offered is None:
            return replace(search, certainty=Certainty.NOT_FOUND)
        settings = search.query.settings
        outcome = certainty(offered, ABSTAIN_WEIGHTS, settings.abstain_threshold, settings.unsure_threshold)
        if outcome is Certainty.FOUND and search.query.resolved.passed_over:
            outcome = Certainty.UNSURE
        return replace(search, certainty=outcome)


@dataclass(frozen=True)
class WorthReading:
    """How many passages, best first, score within `passage_margin` of the first and share a word with the question
    (only the first when nothing was found): one far below the first rarely holds an answer the first missed, and
    one with none of the question's words is only near it in a small library where every cosine is close."""

    name: str = "worth_reading"

    def __call__(self, search: Search) -> Search:
        passages = search.passages
        if search.certainty is Certainty.NOT_FOUND or not passages:
            return replace(search, worth_reading=min(1, len(passages)))
        floor = passages[0].score - search.query.settings.passage_margin
        words = search.words.seen if search.words else ()
        shown = next((i for i, p in enumerate(passages)
                      if i and (p.score < floor or not mentions(words, p.text))), len(passages))
        return replace(search, worth_reading=shown)


@dataclass(frozen=True)
class AnyPassage:
    """Found when any passage matched the words (the lexical mode has no calibrated confidence)."""

    name: str = "confidence"

    def __call__(self, search: Search) -> Search:
        return replace(search, certainty=Certainty.of(bool(search.passages)))

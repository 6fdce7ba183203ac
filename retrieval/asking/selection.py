"""Selection stages: the ranked candidates become passages in the article's exact words, then judged."""

from __future__ import annotations

from dataclasses import dataclass, replace

from retrieval.answer import AnswerPassage, select_passages
from retrieval.asking.query import Search
from retrieval.ranking.abstain import ABSTAIN_WEIGHTS, Evidence, Signals, confidence
from retrieval.ranking.coverage import sentence_coverage
from storage.repository import Repository


@dataclass(frozen=True)
class Selection:
    """The best shortlisted chunks, at most `per_article` per article and `top_k` articles, neighbours merged
    into the article's own text between them (a space or a line break)."""

    repo: Repository
    name: str = "selection"

    def __call__(self, search: Search) -> Search:
        query = search.query
        picked = select_passages(search.ranking, search.shortlist, query.top_k, query.per_article)
        return replace(search, passages=[self._exact(p) for p in picked])

    def _exact(self, passage: AnswerPassage) -> AnswerPassage:
        """A passage merged from several chunks with the article's text between them."""
        if len(passage.chunk_ids) > 1 and (exact := self.repo.article_slice(
                passage.article.id, passage.char_start, passage.char_end)) is not None:
            return replace(passage, text=exact.text)
        return passage


@dataclass(frozen=True)
class Confidence:
    """Whether the best passage answers rather than merely relates (weights and threshold from the dev data)."""

    name: str = "confidence"

    def __call__(self, search: Search) -> Search:
        if not search.passages:
            return replace(search, found=False)
        best = search.passages[0]
        signals = Signals(search.dense)
        cosine = max((signals.dense.get(cid, 0.0) for cid in best.chunk_ids), default=0.0)
        if not cosine:
            cosine = min(signals.dense.values(), default=best.score)
        stored = search.shortlist.get(best.chunk_ids[0])
        cross = stored is not None and (stored.language or "id") != search.query.language
        coverage = sentence_coverage(search.words.words, best.text)
        evidence = Evidence(cosine, signals.gap(cosine, ABSTAIN_WEIGHTS.neutral_gap), coverage, cross)
        return replace(search, found=confidence(evidence, ABSTAIN_WEIGHTS) >= search.query.settings.abstain_threshold)


@dataclass(frozen=True)
class AnyPassage:
    """Found when any passage matched the words (the lexical mode has no calibrated confidence)."""

    name: str = "confidence"

    def __call__(self, search: Search) -> Search:
        return replace(search, found=bool(search.passages))

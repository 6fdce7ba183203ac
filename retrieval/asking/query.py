"""What one question carries through the ask pipeline: the question as asked, and what the stages learned."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

import numpy as np

from retrieval.answer import AnswerPassage, Certainty
from retrieval.indexes.lexical import query_terms
from retrieval.ingest.text import guess_language
from retrieval.ranking.coverage import QuestionWords
from retrieval.ranking.followup import ResolvedQuestion
from retrieval.ranking.highlight import QuestionCues
from retrieval.ranking.timeframe import TimeQuestion
from retrieval.settings import Settings
from storage.repository import StoredChunk


class SearchMode(StrEnum):
    """Which signals find the candidates: both fused (the default), the vectors alone, or the words alone."""

    HYBRID = "hybrid"
    DENSE = "dense"
    LEXICAL = "lexical"


@dataclass(frozen=True)
class Query:
    """One question as asked: its cleaned text, its reading in the conversation, the caller's options and the
    settings in force when it was asked."""

    question: str
    resolved: ResolvedQuestion
    mode: SearchMode
    top_k: int
    per_article: int
    highlight: bool
    settings: Settings
    time: TimeQuestion | None = None
    """The time the question names and its ask for the newest (None: it names neither, or time is off)."""

    @cached_property
    def stems(self) -> list[str]:
        """The lexical search terms of the question as read in context."""
        return query_terms(self.resolved.text)

    @cached_property
    def language(self) -> str:
        """The language of the question as read in context ('id' or 'en')."""
        return guess_language(self.resolved.text)


@dataclass(frozen=True)
class Search:
    """What the stages have learned about one query so far; each stage returns a copy with its part filled in.

    `dense` and `lexical` are the raw signals per candidate chunk, `stored` the candidates' chunks from the
    database; `scores` the combined score per candidate, which score stages adjust; `ranking` the order the
    candidates are taken in (best first), fixed from the scores by the shortlist and re-ordered after it, and
    `shortlist` the stored chunks of the first `candidate_pool` of them, the only ones that can become passages.
    """

    query: Query
    vector: np.ndarray | None = None
    dense: dict[int, float] = field(default_factory=dict)
    lexical: dict[int, float] = field(default_factory=dict)
    coverage: float = 0.0
    stored: dict[int, StoredChunk] = field(default_factory=dict)
    scores: dict[int, float] = field(default_factory=dict)
    ranking: list[tuple[int, float]] = field(default_factory=list)
    shortlist: dict[int, StoredChunk] = field(default_factory=dict)
    words: QuestionWords | None = None
    cues: QuestionCues | None = None
    passages: list[AnswerPassage] = field(default_factory=list)
    certainty: Certainty = Certainty.NOT_FOUND
    worth_reading: int | None = None

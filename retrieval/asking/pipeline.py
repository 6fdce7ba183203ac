"""The ask pipeline: which stages a question runs through in each search mode, each one timed.

A stage is any object with a `name` and a call taking the `Search` so far and returning it with its part filled
in. A new ranking signal is one new stage and one line below: before `Shortlist` when it adjusts the candidates'
scores, after it when it re-orders the ranking.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

from retrieval.answer import Answer, Certainty
from retrieval.asking.candidates import EmbedQuery, LexicalSearch, StoredChunks, VectorSearch
from retrieval.asking.dating import Dated, InRange, NewestFirst, Recency
from retrieval.asking.query import Query, Search, SearchMode
from retrieval.asking.scoring import DenseScores, FollowUp, Fusion, LexicalScores, Shortlist
from retrieval.asking.selection import AnyPassage, Confidence, Selection, WorthReading
from retrieval.asking.sentences import Highlight, QuestionWeights, Rerank
from retrieval.embedding.protocol import TextEmbedder
from retrieval.indexes.store import Indexes
from retrieval.ranking.followup import ResolvedQuestion
from storage.repository import Repository


class Stage(Protocol):
    """One step of answering: takes what is known of the question and returns it with its own part added."""

    name: str

    def __call__(self, search: Search) -> Search: ...


class Pipeline:
    """Stages run in order on one query; `run` also reports the seconds each stage took, by stage name."""

    def __init__(self, stages: Sequence[Stage]) -> None:
        names = [stage.name for stage in stages]
        if len(set(names)) != len(names):
            raise ValueError(f"stage names must be unique to time them apart: {names}")
        self.stages = tuple(stages)

    def run(self, query: Query) -> tuple[Search, dict[str, float]]:
        """The search after every stage, and each stage's seconds."""
        search, timings = Search(query), {}
        for stage in self.stages:
            started = time.perf_counter()
            search = stage(search)
            timings[stage.name] = time.perf_counter() - started
        return search, timings

    def answer(self, query: Query) -> Answer:
        """The answer to the query, carrying the stage timings. A follow-up that names something no recent turn
        holds is answered alone when that answer is found: its own words outweigh the conversation."""
        if query.resolved.alone_first:
            alone = self._answer(replace(query, resolved=ResolvedQuestion(query.question, False)))
            if alone.confidence is Certainty.FOUND:
                return alone
        return self._answer(query)

    def _answer(self, query: Query) -> Answer:
        """The answer to the query as it is read, carrying the stage timings."""
        search, timings = self.run(query)
        resolved = query.resolved
        found = search.certainty is Certainty.FOUND
        return Answer(query.question, found, search.passages, resolved.text if resolved.is_followup else None,
                      timings=timings, certainty=search.certainty, worth_reading=search.worth_reading,
                      words=search.words)

    def with_stage(self, stage: Stage, *, after: str) -> Pipeline:
        """A copy of this pipeline with `stage` run right after the stage named `after`."""
        names = [s.name for s in self.stages]
        if after not in names:
            raise ValueError(f"no stage named {after!r} in {names}")
        at = names.index(after) + 1
        return Pipeline([*self.stages[:at], stage, *self.stages[at:]])


def standard_pipelines(embedder: TextEmbedder, indexes: Indexes, repo: Repository) -> dict[SearchMode, Pipeline]:
    """The stages of each search mode, over one library's embedder, indexes and database."""
    embed, vector, lexical, stored = EmbedQuery(embedder), VectorSearch(indexes), LexicalSearch(indexes), StoredChunks(repo)
    weigh, select, highlight = QuestionWeights(indexes), Selection(repo), Highlight()
    in_range, dated, recency, newest = InRange(indexes, repo), Dated(), Recency(), NewestFirst()
    return {
        SearchMode.HYBRID: Pipeline([
            embed, vector, lexical, in_range, stored, dated,
            Fusion(),
            FollowUp(embedder, indexes),
            Shortlist(),
            weigh,
            Rerank(),
            recency,
            select,
            newest,
            Confidence(),
            WorthReading(),
            highlight,
        ]),
        SearchMode.DENSE: Pipeline([embed, vector, in_range, stored, dated, DenseScores(), Shortlist(), weigh, recency,
                                    select, newest, Confidence(), WorthReading(), highlight]),
        SearchMode.LEXICAL: Pipeline([lexical, in_range, stored, dated, LexicalScores(), Shortlist(), weigh, recency,
                                      select, newest, AnyPassage(), highlight]),
    }

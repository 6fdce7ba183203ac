"""Sentence-evidence stages: weigh the question's words, re-rank the shortlist by its best sentences, and mark
each passage's key sentence (see `ranking.highlight`)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from retrieval.asking.query import Search
from retrieval.indexes.store import Indexes
from retrieval.ranking.coverage import question_words
from retrieval.ranking.highlight import SENTENCE_WEIGHTS, QuestionCues
from retrieval.ranking.key_sentence import AskedWords, key_sentence
from retrieval.ranking.rerank import rescore


@dataclass(frozen=True)
class QuestionWeights:
    """The question's words weighted by their rarity in the library, and the cues sentences are compared with."""

    indexes: Indexes
    name: str = "cues"

    def __call__(self, search: Search) -> Search:
        question = search.query.question
        with self.indexes.lock:
            words = question_words(self.indexes.lexical, question)
        return replace(search, words=words, cues=QuestionCues.of(question, words.stem_weights))


@dataclass(frozen=True)
class Rerank:
    """The first `rerank_depth` shortlisted candidates re-ordered by the evidence of their best sentence."""

    name: str = "rerank"

    def __call__(self, search: Search) -> Search:
        settings, chunks = search.query.settings, search.shortlist
        texts = {cid: c.text for cid, c in chunks.items()}
        owners = {cid: c.article_id for cid, c in chunks.items()}
        return replace(search, ranking=rescore(search.ranking, texts, owners, search.cues, SENTENCE_WEIGHTS,
                                               settings.rerank_depth, settings.rerank_weight,
                                               settings.rerank_within_article))


@dataclass(frozen=True)
class Highlight:
    """Each passage's key sentence, the one that answers the question (when asked for; see `ranking.key_sentence`)."""

    name: str = "highlight"

    def __call__(self, search: Search) -> Search:
        if not search.query.highlight:
            return search
        asked = AskedWords.of(search.query.question, search.words.words, search.words.stem_weights)
        return replace(search, passages=[replace(p, highlight=key_sentence(p.text, search.cues, asked))
                                         for p in search.passages])

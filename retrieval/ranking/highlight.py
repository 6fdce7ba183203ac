"""Pick the sentence of a passage that best answers the question, and score it for re-ranking.

No model runs here: a sentence scores the idf-weighted share of the question's stems it contains plus
evidence of the answer type the question expects (a name for "siapa/who", a date for "kapan/when", …).
This keeps asking fast and works across languages for names, numbers and dates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from retrieval.ranking.answer_type import evidence, expected_type
from retrieval.indexes.lexical import terms
from retrieval.ingest.sentences import sentence_spans
from retrieval.ingest.text import words


@dataclass(frozen=True)
class QuestionCues:
    """What a sentence is compared with: weighted query stems, question words and the answer type."""

    stem_weights: dict[str, float]
    words: frozenset[str]
    kind: str | None

    @classmethod
    def of(cls, question: str, stem_weights: dict[str, float]) -> QuestionCues:
        """Cues of one question, given the idf weight of each of its stems."""
        return cls(stem_weights, frozenset(words(question)), expected_type(question))


@dataclass(frozen=True)
class SentenceWeights:
    """How much the answer-type evidence counts against word overlap; tuned on the dev sets."""

    answer_type: float = 0.5


SENTENCE_WEIGHTS = SentenceWeights()

@lru_cache(maxsize=8192)
def sentence_stems(sentence: str) -> frozenset[str]:
    """Stems of a sentence under both stemmers, matching how questions are stemmed (recent ones remembered)."""
    return frozenset(terms(sentence, "id")) | frozenset(terms(sentence, "en"))


def sentence_score(sentence: str, cues: QuestionCues, weights: SentenceWeights) -> float:
    """Idf-weighted stem overlap with the question plus weighted answer-type evidence."""
    total = sum(cues.stem_weights.values())
    stems = sentence_stems(sentence)
    overlap = sum(w for s, w in cues.stem_weights.items() if s in stems) / total if total > 0 else 0.0
    return overlap + weights.answer_type * evidence(sentence, cues.kind, cues.words)


def best_span(text: str, score: Callable[[str], float]) -> tuple[tuple[int, int], float]:
    """The span of the text's highest-scoring sentence (the first among equals) and its score."""
    spans = sentence_spans(text) or [(0, len(text))]
    value, _, span = max((score(text[s:e]), -i, (s, e)) for i, (s, e) in enumerate(spans))
    return span, value


def best_sentence(text: str, cues: QuestionCues, weights: SentenceWeights) -> tuple[tuple[int, int], float]:
    """The span of the passage's best sentence and its score."""
    return best_span(text, lambda sentence: sentence_score(sentence, cues, weights))


"""Decide whether the library really holds an answer, from evidence calibrated on the dev sets."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Signals:
    """Raw retrieval signals of one question: cosine per dense candidate and the best lexical hit's coverage."""

    dense: dict[int, float]
    coverage: float


@dataclass(frozen=True)
class Evidence:
    """What the best passage offers: its cosine with the question, lexical coverage and sentence overlap."""

    dense: float
    coverage: float
    sentence: float
    cross_language: bool = False


@dataclass(frozen=True)
class AbstainWeights:
    """How lexical coverage and sentence overlap add to the cosine before the threshold is applied."""

    coverage: float = 0.2
    sentence: float = 0.02
    cross_language: float = 0.1


def confidence(evidence: Evidence, weights: AbstainWeights = AbstainWeights()) -> float:
    """One number compared with `abstain_threshold`: cosine plus weighted lexical evidence.

    A question in another language than the passage gets an allowance on top, since it can share few
    words with the passage and its cosines run lower.
    """
    lexical = weights.coverage * evidence.coverage + weights.sentence * evidence.sentence
    return evidence.dense + lexical + (weights.cross_language if evidence.cross_language else 0.0)


ABSTAIN_WEIGHTS = AbstainWeights()

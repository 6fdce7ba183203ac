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


@dataclass(frozen=True)
class AbstainWeights:
    """How lexical coverage and sentence overlap add to the cosine before the threshold is applied."""

    coverage: float = 0.2
    sentence: float = 0.02


def confidence(evidence: Evidence, weights: AbstainWeights = AbstainWeights()) -> float:
    """One number compared with `abstain_threshold`: cosine plus weighted lexical evidence."""
    return evidence.dense + weights.coverage * evidence.coverage + weights.sentence * evidence.sentence


ABSTAIN_WEIGHTS = AbstainWeights()

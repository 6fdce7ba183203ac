"""Decide whether the library really holds an answer, from evidence calibrated on the dev sets."""

from __future__ import annotations

from dataclasses import dataclass

GAP_RANK = 5
"""The gap is measured to the dense candidate at this rank, so a few near-duplicates of the best one do not hide it."""


@dataclass(frozen=True)
class Signals:
    """Raw retrieval signals of one question: the cosine of each dense candidate."""

    dense: dict[int, float]

    def gap(self, best: float, neutral: float) -> float:
        """How far the best passage's cosine stands above the `GAP_RANK`-th candidate (`neutral` if too few)."""
        scores = sorted(self.dense.values(), reverse=True)
        return best - scores[GAP_RANK - 1] if len(scores) >= GAP_RANK else neutral


@dataclass(frozen=True)
class Evidence:
    """What the best passage offers: its cosine, how far it stands out, and how much of the question its best
    sentence covers."""

    dense: float
    gap: float
    coverage: float
    cross_language: bool = False


@dataclass(frozen=True)
class AbstainWeights:
    """How the gap and the word coverage add to the cosine; fitted on the dev sets' held-out abstention runs."""

    gap: float = 1.4
    coverage: float = 0.32
    cross_language: float = 0.15
    neutral_gap: float = 0.05


def confidence(evidence: Evidence, weights: AbstainWeights = AbstainWeights()) -> float:
    """One number compared with `abstain_threshold`.

    A passage that answers usually stands out from the next candidates and has a sentence holding the
    question's rare words; a merely related one ties with its neighbours and lacks them. A question in another language
    than the passage shares few words with it, so it gets an allowance instead.
    """
    lexical = weights.coverage * evidence.coverage
    allowance = weights.cross_language if evidence.cross_language else 0.0
    return evidence.dense + weights.gap * evidence.gap + lexical + allowance


ABSTAIN_WEIGHTS = AbstainWeights()

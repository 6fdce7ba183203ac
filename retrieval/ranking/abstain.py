"""Decide whether the library really holds an answer, from evidence calibrated on the dev sets."""

from __future__ import annotations

from dataclasses import dataclass

from retrieval.answer import Certainty

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
    """What the best passage offers: its cosine, how far it stands out, how much of the question its best
    sentence covers, whether the vector search and the word search both put it first (`agree`), and whether the
    question has a word the whole library never saw (`unseen`)."""

    dense: float
    gap: float
    coverage: float
    cross_language: bool = False
    agree: bool = False
    unseen: bool = False


@dataclass(frozen=True)
class AbstainWeights:
    """How the gap, the word coverage and the two searches' agreement add to the cosine; fitted on the dev sets'
    held-out abstention runs (each half of the questions fitted alone kept every band on the other half)."""

    gap: float = 1.8
    gap_cap: float = 0.06
    """A gap beyond this says nothing more (answerable dev questions: median ~0.06, out-of-library ~0.01): in a small
    library of unrelated articles the one on the question's broad topic stands far out even when it lacks the answer."""
    coverage: float = 0.2
    cross_language: float = 0.12
    cross_found_floor: float = 0.80
    """Across languages a passage is found only from this cosine up (below it, at most unsure): the words such a pair
    shares are names and loanwords, which say the passage is about the same person or place, not that it answers
    ("When was Putin born?" against the Pyongyang visit: 0.775). Every answerable en->id dev question shown as found
    has a cosine of at least 0.80."""
    neutral_gap: float = 0.05
    """Assumed when too few candidates to measure a gap (a library of a few articles)."""
    agree: float = 0.05
    """Answerable dev questions: the best passage is first in both searches for 0.76 (id) / 0.93 (en); out-of-library
    ones 0.17 / 0.35."""
    unseen: float = 0.02
    """A question word the library never saw (id: 0.54 of out-of-library questions, 0.11 of answerable ones). The
    question's rarest word missing from the passage was measured too and added nothing beside `agree`."""
    dense_floor: float = 0.77
    """A cosine below this is nothing near the question: the lowest best cosine of an answerable dev question is 0.772."""


def confidence(evidence: Evidence, weights: AbstainWeights = AbstainWeights()) -> float:
    """One number compared with `abstain_threshold` (found) and `unsure_threshold` (related at all).

    A passage that answers usually stands out from the next candidates, has a sentence holding the question's rare
    words, and is what the meaning and the words of the question both find first; a merely related one ties with its
    neighbours, lacks those words and wins only one of the searches. A question in another language than the passage
    shares few words with it, so it gets an allowance instead. A question word no stored article has ever used means
    the question is most likely about something the library does not hold.
    """
    lexical = weights.coverage * evidence.coverage
    allowance = weights.cross_language if evidence.cross_language else 0.0
    agreement = weights.agree if evidence.agree else 0.0
    missing = weights.unseen if evidence.unseen else 0.0
    return evidence.dense + weights.gap * min(evidence.gap, weights.gap_cap) + lexical + agreement + allowance - missing


def certainty(evidence: Evidence, weights: AbstainWeights, found_at: float, unsure_at: float) -> Certainty:
    """The outcome the evidence earns: found when its confidence reaches `found_at` (and, across languages, its cosine
    `cross_found_floor`), unsure from `unsure_at`, and not found below that or when the passage is not even near the
    question."""
    score = confidence(evidence, weights)
    if evidence.dense < weights.dense_floor or score < unsure_at:
        return Certainty.NOT_FOUND
    if evidence.cross_language and evidence.dense < weights.cross_found_floor:
        return Certainty.UNSURE
    return Certainty.FOUND if score >= found_at else Certainty.UNSURE


ABSTAIN_WEIGHTS = AbstainWeights()

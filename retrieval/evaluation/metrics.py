"""Scoring returned passages against gold answers: hit@1, hit@5 and MRR@10."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


def normalise(text: str) -> str:
    """Case-folded with whitespace collapsed, so answers match regardless of spacing."""
    return " ".join(text.split()).casefold()


def contains_answer(text: str, answers: Sequence[str]) -> bool:
    """Whether a passage contains one of the gold answers (case-insensitive, whitespace collapsed)."""
    haystack = normalise(text)
    return any(normalise(a) and normalise(a) in haystack for a in answers)


def first_hit(texts: Sequence[str], answers: Sequence[str]) -> int | None:
    """Rank (1-based) of the first passage containing an answer, or None."""
    for rank, text in enumerate(texts, 1):
        if contains_answer(text, answers):
            return rank
    return None


@dataclass
class Tally:
    """Running hit@1, hit@5 and MRR@10 over the questions of one set."""

    ranks: list[int | None] = field(default_factory=list)

    def add(self, rank: int | None) -> None:
        """Record one question's first-hit rank."""
        self.ranks.append(rank)

    def hit_at(self, k: int) -> float:
        """Share of questions with a hit within the first k passages."""
        return sum(1 for r in self.ranks if r is not None and r <= k) / len(self.ranks) if self.ranks else 0.0

    def mrr(self, cutoff: int = 10) -> float:
        """Mean reciprocal rank of the first hit, counting 0 past `cutoff`."""
        return sum(1 / r for r in self.ranks if r is not None and r <= cutoff) / len(self.ranks) if self.ranks else 0.0

    def summary(self) -> dict[str, float | int]:
        """The figures reported per set."""
        return {"n": len(self.ranks), "hit@1": round(self.hit_at(1), 4), "hit@5": round(self.hit_at(5), 4),
                "mrr@10": round(self.mrr(10), 4)}


def share(flags: Sequence[bool]) -> float:
    """Fraction of true flags (0 for none)."""
    return sum(flags) / len(flags) if flags else 0.0

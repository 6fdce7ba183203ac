"""Query-adaptive fusion of dense and lexical scores (instead of fixed reciprocal-rank fusion)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FusionWeights:
    """How much lexical evidence may move the dense score; tuned on the dev sets."""

    lexical: float = 0.04
    min_coverage: float = 0.0
    cross_language: float = 0.0


def fuse(dense: dict[int, float], lexical: dict[int, float], coverage: float, same_language: dict[int, bool],
         weights: FusionWeights = FusionWeights()) -> dict[int, float]:
    """Combined score per candidate: cosine plus a lexical bonus scaled by how sure BM25 is.

    The bonus is the candidate's BM25 score relative to the best one, weighted by the share of the
    question's (idf-weighted) terms the best lexical hit contains; it is switched off (or scaled by
    `cross_language`) for passages in another language than the question, where BM25 cannot work.
    Candidates found only lexically get the lowest dense score seen, so they must earn their place.
    """
    if not dense and not lexical:
        return {}
    floor = min(dense.values()) if dense else 0.0
    top_lex = max(lexical.values()) if lexical else 0.0
    confidence = max(0.0, (coverage - weights.min_coverage) / (1 - weights.min_coverage)) if top_lex > 0 else 0.0
    fused = {}
    for chunk_id in set(dense) | set(lexical):
        base = dense.get(chunk_id, floor)
        lex = lexical.get(chunk_id, 0.0) / top_lex if top_lex > 0 else 0.0
        scale = 1.0 if same_language.get(chunk_id, True) else weights.cross_language
        fused[chunk_id] = base + weights.lexical * confidence * scale * lex
    return fused


def ranked(scores: dict[int, float]) -> list[tuple[int, float]]:
    """Candidates best first."""
    return sorted(scores.items(), key=lambda item: -item[1])

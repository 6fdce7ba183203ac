"""Ranking: fusing, re-ranking and judging candidates, picking key sentences, and reading follow-ups."""

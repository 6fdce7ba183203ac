"""Re-rank the best candidates by the evidence of their best sentence (see `highlight`).

Across articles the sentence evidence only nudges the fused score. Within one article it decides more:
chunks of one article share its topic, so their cosines tie and say little about which chunk answers,
while the sentence evidence (question words, the expected kind of answer) still tells them apart.
"""

from __future__ import annotations

from retrieval.ranking.highlight import QuestionCues, SentenceWeights, best_sentence


def rescore(ranked: list[tuple[int, float]], texts: dict[int, str], owners: dict[int, int], cues: QuestionCues,
            weights: SentenceWeights, depth: int, weight: float, within: float) -> list[tuple[int, float]]:
    """Re-rank the first `depth` candidates: + `weight` × sentence score, − `within` × gap to the article's best."""
    head = [(cid, score) for cid, score in ranked[:depth] if cid in texts]
    sentence = {cid: best_sentence(texts[cid], cues, weights)[1] for cid, _ in head}
    best_in_article: dict[int, float] = {}
    for cid, _ in head:
        article = owners.get(cid, -cid)
        best_in_article[article] = max(best_in_article.get(article, 0.0), sentence[cid])
    rescored = [(cid, score + weight * sentence[cid] - within * (best_in_article[owners.get(cid, -cid)] - sentence[cid]))
                for cid, score in head]
    rescored.sort(key=lambda item: -item[1])
    kept = {cid for cid, _ in rescored}
    return rescored + [(cid, score) for cid, score in ranked if cid not in kept]


"""Pick the sentence of a passage that best answers the question."""

from __future__ import annotations

import numpy as np

from retrieval.lexical_index import terms
from retrieval.sentences import sentence_spans


def key_sentence_spans(passages: list[str], query_vector: np.ndarray, query_stems: set[str],
                       encode, lexical_weight: float = 0.05) -> list[tuple[int, int]]:
    """For each passage, the (start, end) of its best sentence, relative to the passage text.

    All sentences of all passages are embedded in one batch (`encode` gives passage vectors);
    a sentence scores its cosine with the question plus a small bonus for shared stemmed words.
    """
    spans = [sentence_spans(text) or [(0, len(text))] for text in passages]
    flat = [text[s:e] for text, sp in zip(passages, spans) for s, e in sp]
    if not flat:
        return []
    cosines = encode(flat) @ np.asarray(query_vector, np.float32)
    best, position = [], 0
    for text, sp in zip(passages, spans):
        scores = []
        for (s, e), cosine in zip(sp, cosines[position : position + len(sp)]):
            stems = set(terms(text[s:e], "id")) | set(terms(text[s:e], "en"))
            overlap = len(stems & query_stems) / max(1, len(query_stems))
            scores.append(float(cosine) + lexical_weight * overlap)
        best.append(sp[int(np.argmax(scores))])
        position += len(sp)
    return best

"""How much of a question a passage covers, judged by the question's words weighted by their rarity."""

from __future__ import annotations

from retrieval.highlight import sentence_stems
from retrieval.lexical_index import LexicalIndex, word_stems


def word_coverage(index: LexicalIndex, question: str, passage: str) -> float:
    """Idf-weighted share of the question's content words found (under either stemmer) in the passage.

    A word the library has never seen counts at the highest idf: if the question's key name occurs
    nowhere in the library, no stored passage can be about it.
    """
    present = sentence_stems(passage)
    total = covered = 0.0
    for stems in word_stems(question):
        weight = index.idf(max(index.document_frequency(s) for s in stems))
        total += weight
        if stems & present:
            covered += weight
    return covered / total if total > 0 else 0.0

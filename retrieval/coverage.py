"""How much of a question a passage covers, judged by the question's words weighted by their rarity."""

from __future__ import annotations

from retrieval.highlight import best_span, sentence_stems
from retrieval.lexical_index import LexicalIndex, word_stems

WeightedWords = list[tuple[tuple[str, str], float]]


def weighted_words(index: LexicalIndex, question: str) -> WeightedWords:
    """The question's content words (as stems under both stemmers) with their idf in the library.

    A word the library has never seen gets the highest idf: if the question's key name occurs
    nowhere in the library, no stored passage can be about it.
    """
    return [(stems, index.idf(max(index.document_frequency(s) for s in stems))) for stems in word_stems(question)]


def word_coverage(words: WeightedWords, text: str) -> float:
    """Idf-weighted share of the question's words found (under either stemmer) in `text`."""
    total = sum(weight for _, weight in words)
    if total <= 0:
        return 0.0
    present = sentence_stems(text)
    return sum(weight for stems, weight in words if not present.isdisjoint(stems)) / total


def sentence_coverage(words: WeightedWords, passage: str) -> float:
    """The best word coverage of any one sentence of the passage: an answer usually sits in a sentence
    that repeats most of the question, while a merely related passage spreads its matches thin."""
    return best_span(passage, lambda sentence: word_coverage(words, sentence))[1]

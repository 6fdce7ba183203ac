"""How much of a question a passage covers, judged by the question's words weighted by their rarity."""

from __future__ import annotations

from dataclasses import dataclass

from retrieval.ranking.highlight import best_span, sentence_stems
from retrieval.indexes.lexical import LexicalIndex, distinct_stems, word_stems

WeightedWords = list[tuple[tuple[str, str], float]]


@dataclass(frozen=True)
class QuestionWords:
    """A question's words weighted by their rarity in the library, each stem's frequency looked up once.

    `stem_weights`: the idf of each stem the library knows, for scoring sentences.
    `words`: each content word (its stems under both stemmers) with the idf of its commoner stem, for
    coverage; a word the library has never seen gets the highest idf: if the question's key name occurs
    nowhere in the library, no stored passage can be about it.
    `unseen`: how many of those words the library has never seen under either stemmer.
    `seen`: the words the library has seen, weighted alike: across languages a word the library never saw is most
    likely untranslated ("accompanied" beside "mendampingi"), so it tells nothing about the passage.
    """

    stem_weights: dict[str, float]
    words: WeightedWords
    unseen: int = 0
    seen: WeightedWords = ()


def question_words(index: LexicalIndex, question: str) -> QuestionWords:
    """Weigh the question's words by the library's document frequencies (call under the index lock)."""
    pairs = word_stems(question)
    frequency = {stem: index.document_frequency(stem) for stem in distinct_stems(pairs)}
    words = [(stems, index.idf(max(frequency[s] for s in stems))) for stems in pairs]
    seen = [(stems, weight) for stems, weight in words if any(frequency[s] for s in stems)]
    return QuestionWords({stem: index.idf(df) for stem, df in frequency.items() if df}, words,
                         len(words) - len(seen), seen)


def word_coverage(words: WeightedWords, text: str) -> float:
    """Idf-weighted share of the question's words found (under either stemmer) in `text`."""
    total = sum(weight for _, weight in words)
    if total <= 0:
        return 0.0
    present = sentence_stems(text)
    return sum(weight for stems, weight in words if not present.isdisjoint(stems)) / total


def mentions(words: WeightedWords, text: str) -> bool:
    """Whether the text holds one of the words (any text does when there are none to look for)."""
    return not words or word_coverage(words, text) > 0


def mentions_telling(words: WeightedWords, text: str) -> bool:
    """Whether the text holds one of the words at least as rare as they are on average: a story sharing only the
    question's commonest word ("warga" of "berapa warga mengungsi di Kampung Melayu?") is another story. (The floor
    sits a hair under the average: summed in floating point, the average of equal weights can exceed each.)"""
    if not words:
        return True
    floor = sum(weight for _, weight in words) / len(words) * (1 - 1e-9)
    return word_coverage([(stems, weight) for stems, weight in words if weight >= floor], text) > 0


def sentence_coverage(words: WeightedWords, passage: str) -> float:
    """The best word coverage of any one sentence of the passage: an answer usually sits in a sentence
    that repeats most of the question, while a merely related passage spreads its matches thin."""
    return best_span(passage, lambda sentence: word_coverage(words, sentence))[1]

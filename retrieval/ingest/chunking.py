"""Split an article into chunks of whole sentences (optionally overlapping), each with its exact span."""

from __future__ import annotations

from dataclasses import dataclass

from retrieval.ingest.sentences import sentence_spans

DEFAULT_WORDS = 200
"""Words per chunk, tuned with `tanya eval`: most news paragraphs stay whole."""
DEFAULT_OVERLAP = 0


@dataclass(frozen=True)
class TextChunk:
    """A chunk of an article as split: `text == article_text[start:end]`.

    The same chunk is stored as a `storage.repository.NewChunk` (with its vector), read back as a `StoredChunk`
    (with its article's citation fields), and neighbouring ones picked for an answer merge into an `AnswerPassage`.
    """

    ordinal: int
    start: int
    end: int
    text: str


def chunk_text(text: str, target_words: int = DEFAULT_WORDS, overlap_sentences: int = DEFAULT_OVERLAP) -> list[TextChunk]:
    """Group consecutive sentences into chunks of about `target_words` words.

    A chunk closes once it reaches the target; the next one starts `overlap_sentences`
    sentences back so an answer spanning a boundary is still found whole. Sentences are never cut.
    """
    spans = sentence_spans(text)
    counts = [len(text[s:e].split()) for s, e in spans]
    chunks: list[TextChunk] = []
    first = 0
    while first < len(spans):
        last, words = first, counts[first]
        while last + 1 < len(spans) and words + counts[last + 1] <= target_words:
            last += 1
            words += counts[last]
        start, end = spans[first][0], spans[last][1]
        chunks.append(TextChunk(len(chunks), start, end, text[start:end]))
        if last + 1 >= len(spans):
            break
        first = max(last + 1 - overlap_sentences, first + 1)
    return chunks

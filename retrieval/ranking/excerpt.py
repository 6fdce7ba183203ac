"""The part of a long passage worth showing in a chat: whole sentences around its key sentence."""

from __future__ import annotations

from dataclasses import dataclass

from retrieval.ingest.extract import body_start
from retrieval.ingest.sentences import sentence_spans


def excerpt_span(text: str, highlight: tuple[int, int] | None, max_chars: int) -> tuple[int, int]:
    """Start and end of the excerpt: the whole text when short, else the key sentence (or the first one)
    widened by neighbouring sentences, nearest first, while the excerpt stays within `max_chars`."""
    if len(text) <= max_chars:
        return 0, len(text)
    spans = sentence_spans(text) or [(0, len(text))]
    key = next((i for i, (s, e) in enumerate(spans) if highlight and s <= highlight[0] < e), 0)
    first = last = key
    while True:
        grown = False
        for candidate in (last + 1, first - 1):
            if 0 <= candidate < len(spans):
                lo, hi = min(first, candidate), max(last, candidate)
                if spans[hi][1] - spans[lo][0] <= max_chars:
                    first, last, grown = lo, hi, True
        if not grown:
            return spans[first][0], spans[last][1]


def whole_sentences(text: str, start: int, end: int, cut_before: bool, cut_after: bool) -> tuple[int, int]:
    """The part of a window cut out of a longer text (`cut_before`/`cut_after` say which sides were cut) that
    starts and ends on sentence boundaries, always keeping `start:end`; where no whole sentence fits between a cut
    and that span, the cut moves to the nearest word boundary instead."""
    spans = sentence_spans(text) or [(0, len(text))]
    lo, hi = 0, len(text)
    if cut_before:
        starts = [s for s, _ in spans[1:] if s <= start]
        lo = starts[0] if starts else _word_start(text, start)
    if cut_after:
        ends = [e for _, e in spans[:-1] if e >= end]
        hi = ends[-1] if ends else _word_end(text, end)
    return lo, hi


def _word_start(text: str, limit: int) -> int:
    """The start of the first whole word at or before `limit` (0 when the text has no space before it)."""
    space = next((i for i, ch in enumerate(text[:limit]) if ch.isspace()), None)
    return limit if space is None else space + 1


def _word_end(text: str, limit: int) -> int:
    """The end of the last whole word at or after `limit`."""
    space = next((i for i in range(len(text) - 1, limit - 1, -1) if text[i].isspace()), None)
    return limit if space is None else space


@dataclass(frozen=True)
class Excerpt:
    """What a reply shows of a passage: the text before, in and after its key sentence, an ellipsis marking
    each side that was cut."""

    before: str
    key: str
    after: str


def excerpt(text: str, highlight: tuple[int, int] | None, max_chars: int | None, title: str = "") -> Excerpt:
    """The passage split around its key sentence (all of it in `before` when none is marked), shortened to
    `excerpt_span` when `max_chars` is given. A first line repeating the article's `title` is left out (the
    citation under the passage shows the title) unless it is the key sentence."""
    skip = body_start(text, title)
    if skip and not (highlight and highlight[0] < skip):
        text = text[skip:]
        highlight = (highlight[0] - skip, highlight[1] - skip) if highlight else None
    start, end = excerpt_span(text, highlight, max_chars) if max_chars else (0, len(text))
    key_start, key_end = (min(max(edge, start), end) for edge in highlight) if highlight else (end, end)
    return Excerpt(("… " if start > 0 else "") + text[start:key_start], text[key_start:key_end],
                   text[key_end:end] + (" …" if end < len(text) else ""))

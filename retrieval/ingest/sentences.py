"""Sentence boundaries for Indonesian and English news text, as exact character spans."""

from __future__ import annotations

import re

ABBREVIATIONS = frozenset(
    "dr drs dra prof no nos st mr mrs ms jr sr vs etc dll dsb dst dkk tsb yth tgl hlm jl jln kab kec "
    "kel sdr bpk ibu ir h hj kh s.h s.e s.pd m.si m.sc ph.d a.n u.p gen gov col lt sgt capt rev "
    "inc ltd co corp dept est fig approx e.g i.e a.m p.m u.s u.k pt cv tbk rp jan feb mar apr "
    "jun jul agu aug sep sept okt oct nov des dec mt min max vol ed eds pp hal".split()
)
_CANDIDATE = re.compile(r"(?<![.!?…])(\.{3}|…|[.!?]+)([\"'”’)\]]*)(\s+)")
_OPENERS = "\"'“‘([«"
MAX_SENTENCE_CHARS = 1500


def _word_before(text: str, end: int) -> str:
    """The token (letters, digits and inner dots) that ends right before `end`."""
    start = end
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "."):
        start -= 1
    return text[start:end].lower().strip(".")


def _is_boundary(text: str, match: re.Match[str]) -> bool:
    """Decide whether punctuation followed by whitespace really ends a sentence."""
    punct, _, space = match.groups()
    after = match.end()
    if after >= len(text):
        return True
    nxt = text[after]
    if punct in ("...", "…"):
        return False
    if punct == ".":
        word = _word_before(text, match.start())
        if word in ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
            return False
    return nxt.isupper() or nxt.isdigit() or nxt in _OPENERS


def _split_long(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Break a run-on 'sentence' longer than MAX_SENTENCE_CHARS at whitespace so chunks stay bounded."""
    spans = []
    while end - start > MAX_SENTENCE_CHARS:
        cut = text.rfind(" ", start, start + MAX_SENTENCE_CHARS)
        cut = cut if cut > start else start + MAX_SENTENCE_CHARS
        spans.append(_trimmed(text, start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if start < end:
        spans.append((start, end))
    return spans


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink a span so it neither starts nor ends with whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of `text`, in order, without surrounding whitespace.

    Every line break ends a sentence (news text puts one paragraph per line); within a line,
    punctuation ends one unless it belongs to an abbreviation, an initial, a number or an ellipsis.
    """
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text):
        start = line.start()
        for match in _CANDIDATE.finditer(text, line.start(), line.end()):
            if _is_boundary(text, match):
                spans.extend(_split_long(text, *_trimmed(text, start, match.start(3))))
                start = match.end()
        spans.extend(_split_long(text, *_trimmed(text, start, line.end())))
    return [span for span in spans if span[1] > span[0]]


def sentences(text: str) -> list[str]:
    """The sentences of `text` as strings."""
    return [text[s:e] for s, e in sentence_spans(text)]

"""The same story stored twice: passages whose wording mostly overlaps are one passage with several sources."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

from retrieval.answer import AnswerPassage

_TOKEN = re.compile(r"\w+")
SHINGLE_WORDS = 5
SAME_STORY = 0.8
"""Share of the shorter passage's word shingles found in the other from which two passages tell the same story
(a republished story keeps nearly all of them; two reports made from one template change a word in every few)."""


def shingles(text: str) -> Counter[tuple[str, ...]]:
    """How often each run of `SHINGLE_WORDS` consecutive words and numbers occurs in the text (case-folded; numbers
    count, since two reports differing in their figures are different news); the whole token list when shorter."""
    tokens = _TOKEN.findall(text.casefold())
    if len(tokens) <= SHINGLE_WORDS:
        return Counter([tuple(tokens)] if tokens else [])
    return Counter(tuple(tokens[i:i + SHINGLE_WORDS]) for i in range(len(tokens) - SHINGLE_WORDS + 1))


def same_story(a: Counter, b: Counter) -> bool:
    """Whether most of the shorter passage's shingles (counted with repeats) occur in the other."""
    smaller = min(a.total(), b.total())
    return smaller > 0 and (a & b).total() / smaller >= SAME_STORY


def figures(text: str) -> frozenset[str]:
    """The numbers a passage states (tokens holding a digit)."""
    return frozenset(token for token in _TOKEN.findall(text.casefold()) if any(ch.isdigit() for ch in token))


def revised(a: AnswerPassage, b: AnswerPassage, a_figures: frozenset[str], b_figures: frozenset[str]) -> bool:
    """Whether two near-copies are versions of one report, its correction among them: the same title, and figures
    in each that the other lacks ("120 ruang kelas" became "150"). Both are shown, not one folded into the other."""
    title = a.article.title.strip().casefold()
    same_title = bool(title) and title == b.article.title.strip().casefold()
    return same_title and not (a_figures <= b_figures or b_figures <= a_figures)


def fold_duplicates(passages: list[AnswerPassage]) -> list[AnswerPassage]:
    """Passages best first, each later near-copy from another article folded into the first one as `also_in`;
    ranks renumbered."""
    kept: list[tuple[AnswerPassage, Counter, frozenset[str]]] = []
    for passage in passages:
        own, numbers = shingles(passage.text), figures(passage.text)
        twin = next((i for i, (p, s, n) in enumerate(kept) if p.article.id != passage.article.id
                     and same_story(s, own) and not revised(p, passage, n, numbers)), None)
        if twin is None:
            kept.append((passage, own, numbers))
        else:
            first, marks, stated = kept[twin]
            known = {first.article.id, *(c.id for c in first.also_in)}
            if passage.article.id not in known:
                kept[twin] = (replace(first, also_in=(*first.also_in, passage.article)), marks, stated)
    return [replace(p, rank=rank) for rank, (p, _, _) in enumerate(kept, 1)]

"""The same story stored twice: passages whose wording mostly overlaps are one passage with several sources."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from difflib import SequenceMatcher

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


def revised(a: AnswerPassage, b: AnswerPassage) -> bool:
    """Whether two near-copies are versions of one report, its correction among them: the same title, and a figure
    of their shared wording swapped for another ("120 ruang kelas" became "150"). Figures only one of them has, where
    the two chunks start or end differently (a dateline, one more sentence), change nothing. Both versions are shown,
    not one folded into the other."""
    title = a.article.title.strip().casefold()
    if not title or title != b.article.title.strip().casefold():
        return False
    left, right = _TOKEN.findall(a.text.casefold()), _TOKEN.findall(b.text.casefold())
    matcher = SequenceMatcher(None, left, right, autojunk=False)
    return any(tag == "replace" and _has_digit(left[i1:i2]) and _has_digit(right[j1:j2])
               for tag, i1, i2, j1, j2 in matcher.get_opcodes())


def _has_digit(tokens: list[str]) -> bool:
    """Whether any token holds a digit."""
    return any(ch.isdigit() for token in tokens for ch in token)


def fold_duplicates(passages: list[AnswerPassage]) -> list[AnswerPassage]:
    """Passages best first, each later near-copy from another article folded into the first one as `also_in`;
    ranks renumbered."""
    kept: list[tuple[AnswerPassage, Counter]] = []
    for passage in passages:
        own = shingles(passage.text)
        twin = next((i for i, (p, s) in enumerate(kept) if p.article.id != passage.article.id
                     and same_story(s, own) and not revised(p, passage)), None)
        if twin is None:
            kept.append((passage, own))
        else:
            first, marks = kept[twin]
            known = {first.article.id, *(c.id for c in first.also_in)}
            if passage.article.id not in known:
                kept[twin] = (replace(first, also_in=(*first.also_in, passage.article)), marks)
    return [replace(p, rank=rank) for rank, (p, _) in enumerate(kept, 1)]

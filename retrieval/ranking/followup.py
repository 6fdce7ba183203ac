"""Understand a follow-up question from the conversation so far."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from retrieval.answer import Answer

_PRONOUNS = re.compile(
    r"\b(dia|ia|beliau|mereka|tersebut|he|she|it|they|them|him|her|his|hers|their|theirs|its|this|these|those)\b"
    r"|(?<!\bapa )(?<!\bapakah )\b(itu|ini)\b",
    re.IGNORECASE,
)
_OPENERS = re.compile(r"^\s*(dan|kalau|lalu|terus|bagaimana dengan|and|what about|how about)\b", re.IGNORECASE)
_NYA = re.compile(r"\b(\w{2,}?)-?nya\b", re.IGNORECASE)
_LEXICAL_NYA = frozenset(
    "hanya tanya bertanya punya lainnya biasanya sebenarnya selanjutnya akhirnya umumnya misalnya khususnya "
    "seharusnya sebaiknya setidaknya sesungguhnya rupanya agaknya tampaknya nampaknya kiranya sepertinya "
    "bahwasanya selebihnya sebaliknya terutamanya pertamanya keduanya masing-masingnya".split()
)
_CAPITALISED = re.compile(r"\b[A-Z][\w-]+(?:\s+[A-Z][\w-]+)*")


@dataclass(frozen=True)
class HistoryTurn:
    """A previous question in the chat and the articles its answer cited."""

    question: str
    article_ids: tuple[int, ...] = ()
    answer: str = ""


def turn_of(question: str, answer: Answer) -> HistoryTurn:
    """What a chat remembers of one turn: the question, the cited article and its key sentence."""
    cited = tuple(p.article.id for p in answer.passages[:1]) if answer.found else ()
    summary = answer.passages[0].key_sentence if answer.found and answer.passages else ""
    return HistoryTurn(question, cited, summary)


@dataclass(frozen=True)
class ResolvedQuestion:
    """The text to retrieve with, and the articles to prefer, for one question in context."""

    text: str
    is_followup: bool
    prefer_articles: frozenset[int] = field(default_factory=frozenset)


def _refers_with_nya(question: str) -> bool:
    """Whether a word carries a -nya that points back (not fixed words like 'hanya')."""
    return any(match.group(0).lower() not in _LEXICAL_NYA for match in _NYA.finditer(question))


def leans_on_history(question: str) -> bool:
    """True when the question refers back (pronouns, -nya, 'dan …?', 'what about …?') or is one or two words."""
    return (bool(_PRONOUNS.search(question)) or bool(_OPENERS.search(question)) or _refers_with_nya(question)
            or len(question.split()) <= 2)


def resolve(question: str, history: list[HistoryTurn]) -> ResolvedQuestion:
    """Carry the previous turn's question and the names in its answer into a question that leans on it."""
    if not history or not leans_on_history(question):
        return ResolvedQuestion(question, False)
    last = history[-1]
    asked = set(_CAPITALISED.findall(last.question))
    entities = " ".join(e for e in dict.fromkeys(_CAPITALISED.findall(last.answer)) if e not in asked)[:200]
    context = f"{last.question} {entities}".strip()
    return ResolvedQuestion(f"{question} ({context})", True, frozenset(last.article_ids))


def order_within_articles(scores: dict[int, float], owners: dict[int, int], own: dict[int, float]) -> dict[int, float]:
    """Re-order the chunks of each cited article by the follow-up's own wording, keeping the article's best score.

    `owners` maps the cited articles' candidate chunks to their article and `own` gives each one's cosine with
    the follow-up alone. The carried context picks the article; within it, the chunk that answers the new
    question should win over the one that answered the previous question.
    """
    adjusted = dict(scores)
    by_article: dict[int, list[int]] = {}
    for chunk_id, article in owners.items():
        by_article.setdefault(article, []).append(chunk_id)
    for ids in by_article.values():
        top, best = max(scores[i] for i in ids), max(own[i] for i in ids)
        adjusted.update({i: top - (best - own[i]) for i in ids})
    return adjusted

"""Understand a follow-up question from the conversation so far."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_LEANING = re.compile(
    r"\b(dia|ia|beliau|mereka|tersebut|itu|ini|nya|he|she|it|they|them|him|her|his|their|its|that|those|these|there)\b"
    r"|\w+nya\b|^\s*(dan|kalau|lalu|terus|bagaimana dengan|and|what about|how about)\b",
    re.IGNORECASE,
)
_CAPITALISED = re.compile(r"\b[A-Z][\w-]+(?:\s+[A-Z][\w-]+)*")


@dataclass(frozen=True)
class HistoryTurn:
    """A previous question in the chat and the articles its answer cited."""

    question: str
    article_ids: tuple[int, ...] = ()
    answer: str = ""


@dataclass(frozen=True)
class ResolvedQuestion:
    """The text to retrieve with, and the articles to prefer, for one question in context."""

    text: str
    is_followup: bool
    prefer_articles: frozenset[int] = field(default_factory=frozenset)


def leans_on_history(question: str) -> bool:
    """True when the question refers back (pronouns, -nya, 'dan …?', 'what about …?') or is very short."""
    return bool(_LEANING.search(question)) or len(question.split()) <= 3


def resolve(question: str, history: list[HistoryTurn]) -> ResolvedQuestion:
    """Carry the previous turn's question and named entities into a question that leans on it."""
    if not history or not leans_on_history(question):
        return ResolvedQuestion(question, False)
    last = history[-1]
    entities = " ".join(dict.fromkeys(_CAPITALISED.findall(last.answer)))[:300]
    context = f"{last.question} {entities}".strip()
    return ResolvedQuestion(f"{question} ({context})", True, frozenset(last.article_ids))

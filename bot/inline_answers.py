"""Inline mode ("@bot question" in any chat): the passages as inline results, and a short-lived cache so that the
queries Telegram sends while a question is typed cost little."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

from telegram import InlineQueryResultArticle, InputTextMessageContent
from telegram.constants import ParseMode

from bot.render_html import passage_block, split_messages
from retrieval.answer import AnswerPassage

MIN_WORDS = 3
"""A query of fewer words is still being typed: it gets no results."""
RESULTS = 5
DESCRIPTION_CHARS = 200


def ready(query: str) -> bool:
    """Whether an inline query has enough words to be answered."""
    return len(query.split()) >= MIN_WORDS


def normalised(query: str) -> str:
    """The query as the cache knows it: lower case, spaces collapsed, trailing punctuation dropped."""
    return " ".join(query.lower().split()).rstrip(" ?!.")


class InlineCache:
    """Recent inline answers by query, for `ttl_seconds`: a query answered again, or a prefix of a question just
    answered (the user deleting back), is served without searching."""

    def __init__(self, ttl_seconds: float = 30.0, size: int = 256) -> None:
        self.ttl, self.size = ttl_seconds, size
        self._answers: OrderedDict[str, tuple[float, list[AnswerPassage]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, query: str) -> list[AnswerPassage] | None:
        """The cached passages of this query or of a fresh longer query it begins, if any."""
        key, now = normalised(query), time.monotonic()
        with self._lock:
            for cached, (stored_at, passages) in reversed(self._answers.items()):
                if now - stored_at <= self.ttl and (cached == key or cached.startswith(key + " ")):
                    return passages
        return None

    def put(self, query: str, passages: list[AnswerPassage]) -> None:
        """Remember a query's passages, dropping the oldest beyond `size`."""
        with self._lock:
            self._answers[normalised(query)] = (time.monotonic(), passages)
            self._answers.move_to_end(normalised(query))
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)


def inline_results(passages: list[AnswerPassage], excerpt_chars: int) -> list[InlineQueryResultArticle]:
    """One result per passage: the article's title, its key sentence as the description; choosing it posts the
    passage with the key sentence in bold and the citation."""
    return [InlineQueryResultArticle(
        id=f"{p.article.id}:{p.char_start}:{p.char_end}"[:64],
        title=p.article.title or f"#{p.article.id}",
        description=" ".join(p.key_sentence.split())[:DESCRIPTION_CHARS],
        input_message_content=InputTextMessageContent(split_messages([passage_block(p, excerpt_chars)])[0],
                                                      parse_mode=ParseMode.HTML))
        for p in passages[:RESULTS]]

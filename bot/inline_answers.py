"""Inline mode ("@bot question" in any chat): the passages as inline results, and a short-lived cache so that the
queries Telegram sends while a question is typed cost little."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, replace

from telegram import InlineQueryResultArticle, InputTextMessageContent
from telegram.constants import ParseMode

from bot.messages import text
from bot.render_html import answer_blocks, split_messages
from retrieval.answer import AnswerPassage, Certainty

MIN_WORDS = 2
"""A query of fewer words is still being typed: it gets no results. Two keywords ("gempa sukabumi") are how people
search inline; one word is most often the start of a question."""
RESULTS = 5
DESCRIPTION_CHARS = 200


def ready(query: str) -> bool:
    """Whether an inline query has enough words to be answered."""
    return len(query.split()) >= MIN_WORDS


def normalised(query: str) -> str:
    """The query as the cache knows it: lower case, spaces collapsed, trailing punctuation dropped."""
    return " ".join(query.lower().split()).rstrip(" ?!.")


@dataclass(frozen=True)
class InlineAnswer:
    """What an inline query offers: the passages worth reading and whether the answer was only unsure."""

    passages: list[AnswerPassage]
    unsure: bool = False


class InlineCache:
    """Recent inline answers by query, for `ttl_seconds`: a query answered again, or a prefix of a question just
    answered (the user deleting back), is served without searching."""

    def __init__(self, ttl_seconds: float = 30.0, size: int = 256) -> None:
        self.ttl, self.size = ttl_seconds, size
        self._answers: OrderedDict[str, tuple[float, InlineAnswer]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, query: str) -> InlineAnswer | None:
        """The cached answer of this query or of a fresh longer query it begins, if any."""
        key, now = normalised(query), time.monotonic()
        with self._lock:
            for cached, (stored_at, answer) in reversed(self._answers.items()):
                if now - stored_at <= self.ttl and (cached == key or cached.startswith(key + " ")):
                    return answer
        return None

    def put(self, query: str, answer: InlineAnswer) -> None:
        """Remember a query's answer, dropping the oldest beyond `size`."""
        with self._lock:
            self._answers[normalised(query)] = (time.monotonic(), answer)
            self._answers.move_to_end(normalised(query))
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)


def inline_results(answer: InlineAnswer, excerpt_chars: int, lang: str) -> list[InlineQueryResultArticle]:
    """One result per passage: the article's title (marked 'not sure' when the answer was unsure, as the chat
    answer is), its key sentence as the description; choosing it posts the passage with the key sentence in bold
    and the citation, after the chat answer's 'not sure' line when unsure, numbered [1] as the one passage the
    chat sees."""
    outcome = Certainty.UNSURE if answer.unsure else Certainty.FOUND
    return [InlineQueryResultArticle(
        id=f"{p.article.id}:{p.char_start}:{p.char_end}"[:64],
        title=result_title(p, answer.unsure, lang),
        description=" ".join(p.key_sentence.split())[:DESCRIPTION_CHARS],
        input_message_content=InputTextMessageContent(
            split_messages(answer_blocks([replace(p, rank=1)], outcome, lang, excerpt_chars))[0],
            parse_mode=ParseMode.HTML))
        for p in answer.passages[:RESULTS]]


def result_title(passage: AnswerPassage, unsure: bool, lang: str) -> str:
    """A result's title: the article's, marked as not sure when the answer was only unsure."""
    title = passage.article.title or f"#{passage.article.id}"
    return text(lang, "inline_unsure", title=title) if unsure else title

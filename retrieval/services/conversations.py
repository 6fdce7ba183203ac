"""Conversation memory: the recent turns of each chat, so a follow-up can lean on them and a later 'more
passages' can show what an answer gave."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import replace

from retrieval.answer import Answer, AnswerPassage
from retrieval.indexes.lexical import terms
from retrieval.indexes.store import Indexes
from retrieval.ranking.coverage import WeightedWords, mentions_telling, question_words
from retrieval.ranking.followup import HistoryTurn, ResolvedQuestion, Word, resolve, turn_of
from retrieval.settings import Settings
from storage.models import Turn
from storage.repository import Repository


ARTICLE_WORDS_KEPT = 256
"""Articles whose stems are kept in memory (by text hash), so that follow-ups do not re-read and re-stem them."""


class ConversationMemory:
    """The last `history_turns` turns of each conversation, kept in the database so every process sees them."""

    def __init__(self, repo: Repository, settings: Settings, indexes: Indexes) -> None:
        self.repo = repo
        self.settings = settings
        self.indexes = indexes
        self._article_words: OrderedDict[str, frozenset[str]] = OrderedDict()
        self._lock = threading.Lock()

    def resolve(self, question: str, history: list[HistoryTurn], typed: str | None = None) -> ResolvedQuestion:
        """The question as read in its conversation (see `followup.resolve`), with what this library holds."""
        return resolve(question, history, self, typed)

    def names_something(self, word: Word) -> bool:
        """Whether the library holds the word (by either stem) in at least one and at most `naming_passages`
        passages: rare enough to name a person, place or thing the follow-up is about."""
        return 0 < self._passages_holding(word) <= self.settings.naming_passages

    def knows(self, word: Word) -> bool:
        """Whether any passage holds the word (by either stem)."""
        return self._passages_holding(word) > 0

    def _passages_holding(self, word: Word) -> int:
        """How many passages hold the word, by the stem more of them hold."""
        with self.indexes.lock:
            return max(self.indexes.lexical.document_frequency(stem) for stem in set(word))

    def history(self, conversation: str) -> list[HistoryTurn]:
        """The recent turns of a conversation, oldest first."""
        return [_remembered(turn) for turn in self.repo.recent_turns(conversation, self.settings.history_turns)]

    def answered_turn(self, conversation: str, message_id: int) -> HistoryTurn | None:
        """The recent turn whose answer a chat message showed (None when no kept turn did)."""
        for turn in self.repo.recent_turns(conversation, self.settings.history_turns):
            if str(message_id) in (turn.message_ids or "").split(","):
                return _remembered(turn)
        return None

    def mark_answer(self, turn_id: int, message_ids: list[int]) -> None:
        """Record the chat messages that showed a turn's answer, so a reply to one of them continues that turn."""
        self.repo.set_turn_messages(turn_id, message_ids)

    def article_words(self, article_id: int) -> frozenset[str]:
        """The stems of a stored article's title and text, as the lexical index reads them (none once it is gone):
        what tells which recent turn a follow-up continues. Kept by the hash of the article's text, so an edited
        article is read again and an unchanged one costs one small look-up."""
        digest = self.repo.content_hash(article_id)
        if digest is None:
            return frozenset()
        with self._lock:
            if (known := self._article_words.get(digest)) is not None:
                self._article_words.move_to_end(digest)
                return known
        article = self.repo.get_article(article_id)
        if article is None:
            return frozenset()
        words = frozenset(terms(f"{article.title}\n{article.text}", article.language))
        with self._lock:
            self._article_words[digest] = words
            while len(self._article_words) > ARTICLE_WORDS_KEPT:
                self._article_words.popitem(last=False)
        return words

    def remember(self, conversation: str, question: str, answer: Answer) -> None:
        """Store a turn so the next question can lean on it, with the passages a later 'more passages' pages through
        (`answer.pageable`): those shown, then the others holding one of the rarer words of the question (of the
        question as the conversation filled it in when it has none of its own: "di mana itu?"), numbered on from the
        shown ones. In a small library the rest are only the nearest of unrelated stories; further pages would show
        them as if they answered, and a button leading only to them would say there are no more."""
        turn = turn_of(question, answer)
        shown = answer.shown
        further = answer.passages[len(shown):]
        if further:
            words = self._paging_words(question, answer)
            further = [p for p in further if mentions_telling(words, p.text)]
        answer.pageable = shown + [replace(p, rank=rank) for rank, p in enumerate(further, len(shown) + 1)]
        passages = json.dumps([p.as_dict() for p in answer.pageable], ensure_ascii=False)
        answer.turn_id = self.repo.add_turn(conversation, turn.question, turn.answer, turn.article_ids,
                                            self.settings.history_turns, passages)

    def _paging_words(self, question: str, answer: Answer) -> WeightedWords:
        """The words further passages must hold: the question's own as its search weighed them, else those of the
        question as the conversation filled it in."""
        own = answer.words.seen if answer.words is not None else None
        if own:
            return own
        with self.indexes.lock:
            if own is None:
                own = question_words(self.indexes.lexical, question).seen
            return own or question_words(self.indexes.lexical, answer.resolved_question or "").seen

    def turn_passages(self, conversation: str, turn_id: int) -> list[AnswerPassage] | None:
        """The passages a recent answer in this conversation can page through (None once the turn is no longer
        kept)."""
        turn = self.repo.get_turn(turn_id)
        if turn is None or turn.conversation != conversation or not turn.passages:
            return None
        return [AnswerPassage.from_dict(item) for item in json.loads(turn.passages)]

    def reset(self, conversation: str) -> int:
        """Forget a conversation's history; returns the turns forgotten."""
        return self.repo.clear_turns(conversation)


def _remembered(turn: Turn) -> HistoryTurn:
    """A stored turn as a follow-up reads it."""
    shown = json.loads(turn.passages)[:1] if turn.passages else []
    return HistoryTurn(turn.question, tuple(int(i) for i in turn.article_ids.split(",") if i), turn.answer,
                       AnswerPassage.from_dict(shown[0]) if shown else None)

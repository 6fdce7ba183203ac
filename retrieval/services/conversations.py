"""Conversation memory: the recent turns of each chat, so a follow-up can lean on them and a later 'more
passages' can show what an answer gave."""

from __future__ import annotations

import json

from retrieval.answer import Answer, AnswerPassage
from retrieval.ranking.followup import HistoryTurn, turn_of
from retrieval.settings import Settings
from storage.repository import Repository


class ConversationMemory:
    """The last `history_turns` turns of each conversation, kept in the database so every process sees them."""

    def __init__(self, repo: Repository, settings: Settings) -> None:
        self.repo = repo
        self.settings = settings

    def history(self, conversation: str) -> list[HistoryTurn]:
        """The recent turns of a conversation, oldest first."""
        turns = self.repo.recent_turns(conversation, self.settings.history_turns)
        return [HistoryTurn(t.question, tuple(int(i) for i in t.article_ids.split(",") if i), t.answer) for t in turns]

    def remember(self, conversation: str, question: str, answer: Answer) -> None:
        """Store a turn so the next question can lean on it, with its passages for a later 'more passages'."""
        turn = turn_of(question, answer)
        passages = json.dumps([p.as_dict() for p in answer.passages], ensure_ascii=False)
        answer.turn_id = self.repo.add_turn(conversation, turn.question, turn.answer, turn.article_ids,
                                            self.settings.history_turns, passages)

    def turn_passages(self, conversation: str, turn_id: int) -> list[AnswerPassage] | None:
        """The passages a recent answer in this conversation gave (None once the turn is no longer kept)."""
        turn = self.repo.get_turn(turn_id)
        if turn is None or turn.conversation != conversation or not turn.passages:
            return None
        return [AnswerPassage.from_dict(item) for item in json.loads(turn.passages)]

    def reset(self, conversation: str) -> int:
        """Forget a conversation's history; returns the turns forgotten."""
        return self.repo.clear_turns(conversation)

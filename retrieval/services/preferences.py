"""Per-chat preferences (for example a chat's reply language), stored in the database for every process."""

from __future__ import annotations

from storage.repository import Repository


class ChatPreferences:
    """Named string preferences per conversation."""

    def __init__(self, repo: Repository) -> None:
        self.repo = repo

    def get(self, conversation: str, name: str) -> str | None:
        """A preference stored for a conversation, or None."""
        return self.repo.get_setting(conversation, name)

    def set(self, conversation: str, name: str, value: str) -> None:
        """Store a preference for a conversation; every process sees it."""
        self.repo.set_setting(conversation, name, value)

"""Plain values passed between the shells, the extractors and the engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class ArticleDraft:
    """An article as it arrives, before it is stored: text plus whatever metadata is known."""

    text: str
    title: str = ""
    url: str | None = None
    source: str | None = None
    author: str | None = None
    published_at: datetime | None = None
    language: str | None = None
    added_by: str | None = None
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class UserError:
    """A problem the user caused, with a one-line reason meant for them (never a traceback).

    `code` is stable for programs and translations ("too_large", "no_text", "unreachable", ...);
    `message` is the English reason; `item` names the file, line or link it concerns.
    """

    code: str
    message: str
    item: str = ""

    def __str__(self) -> str:
        return f"{self.item}: {self.message}" if self.item else self.message

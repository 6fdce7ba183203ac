"""Plain values passed between the shells, the extractors and the engine, and the one place drafts are made storable."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo

from retrieval.ingest.text import strip_control

MAX_SOURCE_CHARS = 300
MAX_AUTHOR_CHARS = 300
MAX_ADDED_BY_CHARS = 100
_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{2,4})?")


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


def normalise_metadata(draft: ArticleDraft, zone: tzinfo) -> ArticleDraft:
    """Make a draft's metadata fit the database the same way on SQLite and PostgreSQL, whatever its source.

    Control characters (NUL included) and line breaks leave the one-line fields, source and author are cut to
    their 300-character columns, added_by to 100, and the language becomes a 2–8 character code such as
    "id" or "pt-br", or None (then it is guessed from the text). A publication time that names its moment (a
    Telegram post's UTC date, an ISO time with an offset) becomes the readers' wall-clock time in `zone`, the
    time "hari ini" and the citations' dates are read in; a time without an offset is taken as given. The caller's
    draft is left as it was (a channel post's own time still counts the channel's last post).
    """
    draft = replace(draft)
    if draft.published_at is not None and draft.published_at.utcoffset() is not None:
        draft.published_at = draft.published_at.astimezone(zone).replace(tzinfo=None)
    draft.title = _one_line(draft.title) or ""
    draft.url = _one_line(draft.url)
    draft.source = _one_line(draft.source, MAX_SOURCE_CHARS)
    draft.author = _one_line(draft.author, MAX_AUTHOR_CHARS)
    draft.added_by = _one_line(draft.added_by, MAX_ADDED_BY_CHARS)
    draft.language = _language_code(draft.language)
    return draft


def _one_line(value: str | None, limit: int | None = None) -> str | None:
    """Text without control characters and with its whitespace runs as single spaces, cut to limit; None if empty."""
    if not value:
        return None
    line = " ".join(strip_control(value).split())[:limit].rstrip()
    return line or None


def _language_code(value: str | None) -> str | None:
    """A lower-case language tag like "id", "en" or "zh-hant" (underscores read as hyphens), else None."""
    code = (value or "").strip().lower().replace("_", "-")
    return code if _LANGUAGE_CODE.fullmatch(code) else None

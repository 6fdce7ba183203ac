"""Forwarded posts: their origin as article metadata, and a per-chat buffer that collects a burst of forwards and
splits it into the articles it really holds (an album, or consecutive posts published moments apart, are one)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from telegram import (
    Chat,
    Message,
    MessageOrigin,
    MessageOriginChannel,
    MessageOriginChat,
    MessageOriginHiddenUser,
    MessageOriginUser,
)

from retrieval.ingest.documents import ArticleDraft
from retrieval.ingest.text import shortened

TITLE_CHARS = 120
"""A first line up to this long is the post's headline, its title as it stands."""
HEADLESS_TITLE_CHARS = 60
"""A text opening with a whole paragraph has no headline: it is titled by its opening words, cut here, rather than
by a second copy of its first sentence."""
JOIN_PUBLISHED = timedelta(seconds=60)
"""Consecutive posts of one origin published at most this far apart are the parts of one long post."""


@dataclass(frozen=True)
class ForwardPart:
    """One forwarded message: its text and where it originally came from."""

    text: str
    origin_key: str
    order: int
    source: str | None
    url: str | None
    published_at: datetime | None
    author: str | None
    user_id: int | None
    language_code: str | None
    album: str | None = None
    received: int = 0
    """The message's id in the chat it reached: the order the user sent it in (updates may be handled out of it)."""


def chat_link(chat: Chat, message_id: int) -> str | None:
    """The t.me link of a message in a channel or supergroup (private ones via t.me/c/…)."""
    if chat.username:
        return f"https://t.me/{chat.username}/{message_id}"
    if str(chat.id).startswith("-100"):
        return f"https://t.me/c/{str(chat.id)[4:]}/{message_id}"
    return None


def chat_name(chat: Chat) -> str:
    """A channel or group as "Title (@username)"."""
    title = chat.title or chat.username or str(chat.id)
    return f"{title} (@{chat.username})" if chat.username else title


def describe_origin(origin: MessageOrigin, forwarded_label: str) -> tuple[str, str | None, str | None, str | None]:
    """(grouping key, source, url, author) for a forward origin."""
    if isinstance(origin, MessageOriginChannel):
        return (f"channel:{origin.chat.id}", chat_name(origin.chat), chat_link(origin.chat, origin.message_id),
                origin.author_signature)
    if isinstance(origin, MessageOriginChat):
        return f"chat:{origin.sender_chat.id}", chat_name(origin.sender_chat), None, origin.author_signature
    if isinstance(origin, MessageOriginUser):
        user = origin.sender_user
        return f"user:{user.id}", user.full_name, None, user.full_name
    if isinstance(origin, MessageOriginHiddenUser):
        return f"hidden:{origin.sender_user_name}", forwarded_label, None, None
    return "unknown", forwarded_label, None, None


def forward_part(message: Message, forwarded_label: str) -> ForwardPart | None:
    """The forwarded message as a part of an article (photo and video posts count by their caption)."""
    origin = message.forward_origin
    if origin is None:
        return None
    key, source, url, author = describe_origin(origin, forwarded_label)
    order = origin.message_id if isinstance(origin, MessageOriginChannel) else message.message_id
    user = message.from_user
    return ForwardPart(message.text or message.caption or "", key, order, source, url, origin.date, author,
                       user.id if user else None, user.language_code if user else None, message.media_group_id,
                       message.message_id)


def draft_from_parts(parts: list[ForwardPart]) -> ArticleDraft:
    """One article from the parts of a forwarded post, in their original order (a part forwarded twice counts once)."""
    ordered = sorted({(p.order, p.text): p for p in parts}.values(), key=lambda p: p.order)
    body = "\n\n".join(p.text.strip() for p in ordered if p.text.strip())
    first = ordered[0]
    return ArticleDraft(text=body, title=title_from(body), url=first.url, source=first.source, author=first.author,
                        published_at=first.published_at)


def articles_from_parts(parts: list[ForwardPart]) -> list[list[ForwardPart]]:
    """The articles a burst of forwarded parts holds, in the order the user sent them (by message id, then arrival):
    the posts of one album are one article, and so are consecutive posts of one origin published within
    JOIN_PUBLISHED of each other; every other post is an article of its own, keeping its own link and date."""
    sent = {id(part): (part.received, position) for position, part in enumerate(parts)}
    articles: list[list[ForwardPart]] = []
    for part in sorted(parts, key=lambda p: (p.album or "", p.origin_key, p.order)):
        if articles and _one_article(articles[-1][-1], part):
            articles[-1].append(part)
        else:
            articles.append([part])
    return sorted(articles, key=lambda article: min(sent[id(part)] for part in article))


def _one_article(previous: ForwardPart, part: ForwardPart) -> bool:
    """Whether `part` continues the article `previous` belongs to (parts arrive sorted by album, origin and order)."""
    if previous.album or part.album:
        return previous.album == part.album
    if previous.origin_key != part.origin_key or part.order - previous.order > 1:
        return False
    if previous.published_at is None or part.published_at is None:
        return False
    return abs(part.published_at - previous.published_at) <= JOIN_PUBLISHED


def title_from(body: str) -> str:
    """The first line when it is a headline, else the opening words of the paragraph it is."""
    line = body.strip().split("\n", 1)[0].strip()
    return line if len(line) <= TITLE_CHARS else shortened(line, HEADLESS_TITLE_CHARS)


@dataclass
class _Pending:
    """Parts waiting in one chat for the debounce delay to pass."""

    parts: list[ForwardPart] = field(default_factory=list)
    timer: asyncio.TimerHandle | None = None


Flush = Callable[[int, list[list[ForwardPart]]], Awaitable[None]]
Spawn = Callable[[Awaitable[None]], object]


class ForwardBuffer:
    """Collects the forwarded parts of each chat until none has arrived for `delay` seconds (people select several
    posts and forward them at once), then hands the burst on split into its articles."""

    def __init__(self, delay: float, flush: Flush, spawn: Spawn) -> None:
        self.delay = delay
        self._flush = flush
        self._spawn = spawn
        self._pending: dict[int, _Pending] = {}

    def add(self, chat_id: int, part: ForwardPart) -> None:
        """Buffer a part and restart the chat's wait."""
        pending = self._pending.setdefault(chat_id, _Pending())
        pending.parts.append(part)
        if pending.timer is not None:
            pending.timer.cancel()
        pending.timer = asyncio.get_running_loop().call_later(self.delay, self._release, chat_id)

    def _release(self, chat_id: int) -> None:
        """Hand a chat's buffered articles to the flush callback as a background task."""
        pending = self._pending.pop(chat_id, None)
        if pending is None:
            return
        if pending.timer is not None:
            pending.timer.cancel()
        self._spawn(self._flush(chat_id, articles_from_parts(pending.parts)))

    async def flush_all(self) -> None:
        """Store every chat's waiting parts now (at shutdown)."""
        while self._pending:
            chat_id, pending = self._pending.popitem()
            if pending.timer is not None:
                pending.timer.cancel()
            await self._flush(chat_id, articles_from_parts(pending.parts))

"""The scenario language: a conversation with the bot written as data — who does what, in which chat — and what the
bot must and must not answer. `tests/scenarios/runner.py` plays it through the real Application."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.news import Post

PRIVATE = "private"
DEFAULT_USER = "ani"


@dataclass(frozen=True)
class Say:
    """A typed message: a question, a link, pasted text or "/command args" (sent as a command). `reply_to_answer`:
    True replies to the bot's latest message in the chat; a text replies to its latest message containing that text."""

    text: str
    chat: str = PRIVATE
    user: str = DEFAULT_USER
    lang: str = "en"
    mention: bool = True
    reply_to_answer: bool | str = False


@dataclass(frozen=True)
class Edit:
    """The user edits their latest message in the chat to `text` (fixing a typo in a question)."""

    text: str
    chat: str = PRIVATE
    user: str = DEFAULT_USER


@dataclass(frozen=True)
class Forward:
    """A message forwarded from a public channel (`channel` is its username), published there at `date`."""

    channel: str
    post: int
    text: str
    date: str
    chat: str = PRIVATE
    user: str = DEFAULT_USER
    lang: str = "en"
    title: str | None = None
    photo: bool = False
    album: str | None = None

    @classmethod
    def of(cls, post: Post, **options: Any) -> Forward:
        """Forward one of the corpus's channel posts."""
        return cls(post.channel, post.number, post.text, post.date, **options)


@dataclass(frozen=True)
class ForwardFrom:
    """A message forwarded from a person's chat (their display name)."""

    person: str
    text: str
    date: str
    chat: str = PRIVATE
    user: str = DEFAULT_USER
    lang: str = "en"


@dataclass(frozen=True)
class ChannelPost:
    """A post in a channel the bot administers (a channel_post update, no user), or its edit."""

    channel: str
    post: int
    text: str
    date: str | None = None
    edited: bool = False
    photo: bool = False
    album: str | None = None


@dataclass(frozen=True)
class Upload:
    """A file sent to the bot."""

    file_name: str
    data: bytes
    mime: str
    caption: str | None = None
    chat: str = PRIVATE
    user: str = DEFAULT_USER
    lang: str = "en"


@dataclass(frozen=True)
class Press:
    """Press the button whose label contains `label` on the newest bot message that has one."""

    label: str
    chat: str = PRIVATE
    user: str = DEFAULT_USER


@dataclass(frozen=True)
class Restart:
    """Stop the bot, close the library, reopen it from disk and start the bot again."""


@dataclass(frozen=True)
class Wait:
    """Let time pass."""

    seconds: float


@dataclass(frozen=True)
class Inline:
    """An inline query typed in any chat ("@bot query")."""

    query: str
    user: str = DEFAULT_USER
    lang: str = "en"


@dataclass(frozen=True)
class Expect:
    """What the bot sent (or edited) in a chat since the previous Expect there.

    `replies`: how many new messages to wait for (0: the bot stays silent). `has`/`lacks`: case-insensitive substrings
    of the plain text or of a link target; `any_of`: at least one of them is there. `bold`: substrings that lie inside bold text. `links`: link targets.
    `buttons`/`no_buttons`: substrings of button labels. `max_chars`: the longest a message may be.
    """

    replies: int = 1
    has: tuple[str, ...] = ()
    lacks: tuple[str, ...] = ()
    any_of: tuple[str, ...] = ()
    bold: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    buttons: tuple[str, ...] = ()
    no_buttons: tuple[str, ...] = ()
    max_chars: int | None = None
    chat: str = PRIVATE


@dataclass(frozen=True)
class ExpectInline:
    """The results of the latest inline query: substrings of their titles, descriptions or texts, and their count
    (`results`: exactly, when given)."""

    has: tuple[str, ...] = ()
    lacks: tuple[str, ...] = ()
    results: int | None = None


Step = Say | Edit | Forward | ForwardFrom | ChannelPost | Upload | Press | Restart | Wait | Inline | Expect | ExpectInline


@dataclass(frozen=True)
class Scenario:
    """A user story: the articles stored before it starts (names in tests/news.py ARTICLES), the steps, settings
    overrides for the engine or the bot (e.g. `{"admin_user_ids": "1001"}`), and web pages served on 127.0.0.1 while
    it plays (`{path: handler}` as bench/web.py takes them; `{site}` in a step's text is the site's address)."""

    story: str
    steps: tuple[Step, ...]
    given: tuple[str, ...] = ()
    settings: dict[str, Any] = field(default_factory=dict)
    pages: dict[str, Any] = field(default_factory=dict)

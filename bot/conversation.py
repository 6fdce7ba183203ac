"""The conversation logic shared by Telegram and the console: intents, Library calls off the event loop, replies."""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from bot.forwards import title_from
from bot.messages import clock, error_reason, text
from retrieval.answer import Answer, AnswerPassage, Certainty, PassageContext
from retrieval.ingest.documents import ArticleDraft, UserError
from retrieval.ingest.extract import extract_file
from retrieval.ingest.fetch import fetch_article, find_urls, is_mostly_link
from retrieval.ingest.substance import reads_like_article
from retrieval.ingest.text import shortened
from retrieval.ranking.small_talk import SmallTalk, small_talk
from retrieval.library import ArticleInfo, IngestResult, IngestStatus, Library, Stats

EXTRA_PASSAGES = 3
"""An answer keeps this many passages beyond those first shown, for its 'more passages' pages (each of `top_k`)."""
BURST_TITLE_CHARS = 60
LANGUAGE_SETTING = "lang"
EXTRACT_THREADS = 2
# Uploads are read in threads of their own, so heavy documents cannot use up the default pool questions run in.
_EXTRACT_THREADS = ThreadPoolExecutor(max_workers=EXTRACT_THREADS, thread_name_prefix="tanya-extract")
_ASKED = re.compile(r"^.*\?", re.DOTALL)


@dataclass(frozen=True)
class Intent:
    """What a message asks for: a command name ("ask", "add", "reset", ...) and its argument."""

    command: str
    argument: str = ""


@dataclass(frozen=True)
class AnswerView:
    """An answer ready to show: the passages for this message (a not-found answer shows the nearest one alone)
    and whether more remain."""

    key: str
    answer: Answer
    shown: list[AnswerPassage]

    @property
    def has_more(self) -> bool:
        """Whether the answer holds passages not shown yet worth offering (see `Answer.pageable`): none when
        nothing stored matches, as the passages after the nearest one are only further from the question."""
        pageable = self.answer.passages if self.answer.pageable is None else self.answer.pageable
        return self.answer.confidence is not Certainty.NOT_FOUND and len(pageable) > len(self.shown)


@dataclass(frozen=True)
class MorePage:
    """One page of an answer's further passages, and where the next page starts (None: this is the last)."""

    passages: list[AnswerPassage]
    next_offset: int | None


def parse_intent(message: str) -> Intent:
    """A command ("/add URL", "/reset@bot"), a link to store, a pasted article to store ("paste": several sentences
    that ask nothing), small talk ("chat": thanks, a greeting, a bare "ok"), asking what the bot does ("help"), or a
    question."""
    message = message.strip()
    if message.startswith("/"):
        head, _, rest = message.partition(" ")
        return Intent(head[1:].split("@", 1)[0].lower(), rest.strip())
    if is_mostly_link(message, typed=True):
        return Intent("add", find_urls(message)[0])
    if reads_like_article(message):
        return Intent("paste", message)
    if (kind := small_talk(message)) is not None:
        return Intent("help", "") if kind is SmallTalk.HELP else Intent("chat", kind.value)
    return Intent("ask", question_without_links(message))


def question_without_links(message: str) -> str:
    """The question a message asks, without the links it gives as sources ("siapa …? sumber: URL" asks "siapa …?"):
    what it says up to its last question mark, else its words around the links."""
    urls = find_urls(message)
    if not urls:
        return message
    for url in urls:
        message = message.replace(url, " ").replace(url.removeprefix("https://"), " ")
    asked = " ".join(_ASKED.findall(message)) or message
    return " ".join(asked.split())


def ingest_notice(result: IngestResult, lang: str) -> str:
    """The confirmation or refusal for one stored item."""
    if result.status == "added":
        return text(lang, "added", title=result.title or f"#{result.article_id}", chunks=result.chunks, id=result.article_id)
    if result.status == "updated":
        return text(lang, "updated", title=result.title or f"#{result.article_id}", chunks=result.chunks, id=result.article_id)
    if result.status == "duplicate":
        return text(lang, "duplicate", title=result.title, id=result.article_id)
    error = result.error or UserError("failed", "unknown problem")
    return text(lang, "failed", reason=error_reason(lang, error))


def burst_notice(results: list[tuple[IngestResult, str]], lang: str) -> str:
    """One confirmation for a burst of forwarded posts, each given with its source: a single post's own notice, else
    how many were saved (from which sources, each title on a line of its own), already stored, and not stored
    (and why)."""
    if len(results) == 1:
        return ingest_notice(results[0][0], lang)
    saved = [(result, source) for result, source in results
             if result.status in (IngestStatus.ADDED, IngestStatus.UPDATED)]
    duplicates = sum(result.status == IngestStatus.DUPLICATE for result, _ in results)
    failed = [result.error or UserError("failed", "unknown problem") for result, _ in results
              if result.status == IngestStatus.FAILED]
    lines = []
    if saved:
        sources = _listed(list(dict.fromkeys(source for _, source in saved)), lang)
        lines.append(text(lang, "burst_saved", posts=len(saved), sources=sources))
        lines += [f"• {shortened(result.title or '', BURST_TITLE_CHARS)} (#{result.article_id})" for result, _ in saved]
    if duplicates:
        lines.append(text(lang, "burst_duplicates", posts=duplicates))
    if failed:
        reasons = list(dict.fromkeys(error_reason(lang, error) for error in failed))
        if len(reasons) == 1:
            lines.append(text(lang, "burst_failed", posts=len(failed), reasons=reasons[0]))
        else:
            lines.append(text(lang, "burst_failed_list", posts=len(failed)))
            lines += [f"• {reason}" for reason in reasons]
    return "\n".join(lines)


def _listed(names: list[str], lang: str) -> str:
    """Names joined as a list in the user's language ("A", "A and B", "A, B and C")."""
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:-1])} {text(lang, 'and')} {names[-1]}"


class Conversation:
    """Questions, follow-ups and ingestion over one Library; every Library call runs in a worker thread."""

    def __init__(self, library: Library, *, allow_hosts: frozenset[str] = frozenset()) -> None:
        self.library = library
        self.settings = library.settings
        self.allow_hosts = allow_hosts
        self._working: set[str | None] = set()

    async def ask(self, conversation: str, question: str, replying_to: int | None = None) -> AnswerView:
        """Answer a question as a turn of the stored conversation. A reply to one of the bot's messages
        (`replying_to`, its message id) continues the turn that message answered, whoever asked since; a reply
        to a message that answered no kept turn stands alone."""
        shown = self.settings.top_k
        history = None
        if replying_to is not None:
            turn = await asyncio.to_thread(self.library.answered_turn, conversation, replying_to)
            history = [turn] if turn is not None else []
        answer = await asyncio.to_thread(self.library.ask, question, top_k=shown + EXTRA_PASSAGES,
                                         conversation=conversation, history=history)
        first = 1 if answer.confidence is Certainty.NOT_FOUND else shown
        return AnswerView(str(answer.turn_id), answer, answer.shown[:first])

    async def answered(self, view: AnswerView, message_ids: list[int]) -> None:
        """Remember which chat messages showed an answer, so a reply to one of them is a follow-up of it."""
        if view.answer.turn_id is not None and message_ids:
            await asyncio.to_thread(self.library.mark_answer, view.answer.turn_id, message_ids)

    async def ask_once(self, question: str, top_k: int) -> Answer:
        """Answer a question outside any conversation (an inline query), remembering nothing."""
        return await asyncio.to_thread(self.library.ask, question, top_k=top_k)

    async def more(self, conversation: str, key: str, offset: int | None = None) -> MorePage | None:
        """The page of an earlier answer's passages starting at `offset` (default: after the first page), read from
        its stored turn (the key is the turn's id, so any process finds them; see `Library.turn_page`); None once the
        conversation no longer keeps that turn."""
        if not key.isdigit():
            return None
        start = self.settings.top_k if offset is None else offset
        page = await asyncio.to_thread(self.library.turn_page, conversation, int(key), start, self.settings.top_k)
        return None if page is None else MorePage(*page)

    async def context(self, article_id: int, char_start: int, char_end: int) -> PassageContext | None:
        """The article text around a passage, with the article's citation, or None when the article is gone."""
        return await asyncio.to_thread(self.library.context, article_id, char_start, char_end)

    async def add_link(self, url: str, added_by: str | None = None, *, chat: str | None = None) -> IngestResult:
        """Fetch a linked article and store it; one link or file per `chat` at a time, when a chat is given (the
        posts of a forwarded burst are not limited: each waits for a fetch thread of its own)."""
        return await self._one_at_a_time(chat, url, added_by,
                                         lambda: fetch_article(url, self.settings, allow_hosts=self.allow_hosts))

    async def add_file(self, name: str, data: bytes, max_bytes: int, added_by: str | None = None, *,
                       chat: str | None = None) -> IngestResult:
        """Extract an uploaded document (of at most `max_bytes`) and store it; one at a time per chat, like links."""
        job = functools.partial(extract_file, name, data, max_bytes=max_bytes)
        return await self._one_at_a_time(chat, name, added_by,
                                         lambda: asyncio.get_running_loop().run_in_executor(_EXTRACT_THREADS, job))

    async def add_pasted(self, pasted: str, added_by: str | None = None) -> IngestResult:
        """Store an article pasted as a message, titled by its first line."""
        return await self.add_draft(ArticleDraft(text=pasted, title=title_from(pasted)), "pasted text", added_by)

    async def add_draft(self, draft: ArticleDraft | UserError, item: str, added_by: str | None = None) -> IngestResult:
        """Store one article (or report why not)."""
        if added_by and isinstance(draft, ArticleDraft):
            draft.added_by = added_by
        return await asyncio.to_thread(self.library.add_article, draft, item)

    async def _one_at_a_time(self, chat: str | None, item: str, added_by: str | None,
                             read: Callable[[], Awaitable[ArticleDraft | UserError]]) -> IngestResult:
        """Read (off the event loop) and store one document, unless this chat's previous one is still being
        worked on: then it is refused at once as "busy", so one chat cannot queue up many heavy extractions."""
        if chat in self._working:
            return IngestResult(item, "failed", error=UserError(
                "busy", "I am still working on your previous file or link; send this one again when it is done", item))
        if chat is not None:
            self._working.add(chat)
        try:
            return await self.add_draft(await read(), item, added_by)
        finally:
            self._working.discard(chat)

    async def reset(self, conversation: str) -> int:
        """Forget a conversation; returns how many turns were dropped."""
        return await asyncio.to_thread(self.library.reset_conversation, conversation)

    async def language(self, conversation: str, default: str) -> str:
        """The language chosen for a chat with /lang, else `default`.

        Read each time (one primary-key lookup): another bot process may have changed it.
        """
        stored = await asyncio.to_thread(self.library.chat_setting, conversation, LANGUAGE_SETTING)
        return stored or default

    async def set_language(self, conversation: str, lang: str) -> None:
        """Remember a chat's language."""
        await asyncio.to_thread(self.library.set_chat_setting, conversation, LANGUAGE_SETTING, lang)

    async def sources(self, offset: int, limit: int) -> tuple[list[ArticleInfo], bool]:
        """One page of recent articles, and whether an older page exists."""
        page = await asyncio.to_thread(self.library.list, offset, limit + 1)
        return page[:limit], len(page) > limit

    async def article(self, article_id: int) -> ArticleInfo | None:
        """One article with its text."""
        return await asyncio.to_thread(self.library.get, article_id)

    async def delete(self, article_id: int) -> bool:
        """Remove an article."""
        return await asyncio.to_thread(self.library.delete, article_id)

    async def stats(self) -> Stats:
        """Library counts."""
        return await asyncio.to_thread(self.library.stats)


def stats_text(stats: Stats, lang: str, zone: str, engine: bool = False) -> str:
    """The /stats reply: the library's counts, the last addition in the readers' time `zone`; with `engine` (for
    admins) also the turns of all chats, the model and the index."""
    counts = text(lang, "stats", articles=stats.articles, chunks=stats.chunks,
                  last=clock(stats.last_ingested_at, zone, lang))
    if not engine:
        return counts
    return counts + "\n" + text(lang, "stats_engine", turns=stats.conversations_turns, model=stats.model,
                                  index=stats.index_kind)


def parse_article_id(argument: str) -> int | None:
    """An article number from "12" or "#12"."""
    value = argument.strip().lstrip("#")
    return int(value) if value.isdigit() and len(value) < 10 else None

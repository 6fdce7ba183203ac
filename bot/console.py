"""`tanya chat`: the bot's conversation in a terminal, for trying it without a Telegram token."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from dataclasses import replace
from typing import TextIO

from bot.conversation import Conversation, Intent, ingest_notice, parse_article_id, parse_intent, stats_text
from bot.messages import LANGUAGES, language_for, text
from bot.render_text import render_answer, render_article_line
from retrieval.settings import Settings

CONVERSATION = "console"
QUIT = frozenset({"quit", "exit", "q"})


class Console:
    """One console conversation: each line is a question, a link or a /command, as in a private Telegram chat."""

    def __init__(self, conversation: Conversation, lang: str, color: bool = False) -> None:
        self.conversation = conversation
        self.lang = lang
        self.color = color

    async def start(self) -> None:
        """Use the language chosen earlier with /lang, if any."""
        self.lang = await self.conversation.language(CONVERSATION, self.lang)

    async def reply(self, line: str) -> str | None:
        """The reply to one line, or None when the user wants to leave."""
        intent = parse_intent(line)
        if intent.command in QUIT:
            return None
        handler = getattr(self, f"_{intent.command}", None)
        return await handler(intent) if handler else text(self.lang, "unknown_command")

    async def _ask(self, intent: Intent) -> str:
        """A question or follow-up."""
        if not intent.argument:
            return text(self.lang, "usage_ask")
        view = await self.conversation.ask(CONVERSATION, intent.argument)
        if view.answer.vague:
            return text(self.lang, "ask_vague")
        if not view.shown and view.answer.empty_time is None:
            return text(self.lang, "empty_library")
        return render_answer(replace(view.answer, passages=view.shown), self.color, self.conversation.settings.excerpt_chars, self.lang)

    async def _chat(self, intent: Intent) -> str:
        """Thanks, a greeting or a bare "ok": a friendly line, no search."""
        return text(self.lang, f"chat_{intent.argument}")

    async def _add(self, intent: Intent) -> str:
        """/add URL: fetch and store."""
        if not intent.argument:
            return text(self.lang, "usage_add")
        return ingest_notice(await self.conversation.add_link(intent.argument, added_by="console"), self.lang)

    async def _paste(self, intent: Intent) -> str:
        """A pasted article: store it."""
        return ingest_notice(await self.conversation.add_pasted(intent.argument, added_by="console"), self.lang)

    async def _reset(self, intent: Intent) -> str:
        """/reset: forget the conversation."""
        return text(self.lang, "reset", count=await self.conversation.reset(CONVERSATION))

    async def _help(self, intent: Intent) -> str:
        """/help."""
        return text(self.lang, "console_help")

    async def _start(self, intent: Intent) -> str:
        """/start."""
        return text(self.lang, "welcome") + "\n" + text(self.lang, "console_help")

    async def _lang(self, intent: Intent) -> str:
        """/lang id|en (no argument toggles)."""
        choice = intent.argument.lower() or ("en" if self.lang == "id" else "id")
        if choice not in LANGUAGES:
            return text(self.lang, "lang_usage")
        await self.conversation.set_language(CONVERSATION, choice)
        self.lang = choice
        return text(choice, "lang_set")

    async def _sources(self, intent: Intent) -> str:
        """/sources: recent articles."""
        articles, _ = await self.conversation.sources(0, 20)
        zone = self.conversation.settings.timezone
        lines = [render_article_line(a, zone, self.lang) for a in articles]
        return "\n".join(lines) or text(self.lang, "sources_empty")

    async def _article(self, intent: Intent) -> str:
        """/article ID."""
        article_id = parse_article_id(intent.argument)
        info = await self.conversation.article(article_id) if article_id is not None else None
        if info is None:
            return text(self.lang, "usage_article" if article_id is None else "no_article", id=article_id)
        line = render_article_line(info, self.conversation.settings.timezone, self.lang)
        return f"{line}\n{info.url or ''}\n\n{info.text}".replace("\n\n\n", "\n\n")

    async def _stats(self, intent: Intent) -> str:
        """/stats, with the engine details: whoever runs the console runs the library."""
        return stats_text(await self.conversation.stats(), self.lang, self.conversation.settings.timezone, engine=True)


async def converse(console: Console, lines: TextIO, out: TextIO, prompt: str = "") -> None:
    """Read lines until end of input or /quit, printing each reply."""
    await console.start()
    while True:
        if prompt:
            out.write(prompt)
            out.flush()
        line = await asyncio.to_thread(lines.readline)
        if not line:
            return
        if not line.strip():
            continue
        answer = await console.reply(line.strip())
        if answer is None:
            return
        out.write(answer + "\n\n")
        out.flush()


def main(args: argparse.Namespace, settings: Settings) -> int:
    """`tanya chat`."""
    from bot.cli import open_library

    interactive = sys.stdin.isatty()
    lang = language_for(os.environ.get("LANG"))
    with open_library(settings) as library:
        library.start_sync()
        console = Console(Conversation(library), lang, color=sys.stdout.isatty())
        if interactive:
            print(text(lang, "console_help"))
        asyncio.run(converse(console, sys.stdin, sys.stdout, "› " if interactive else ""))
    return 0

"""Sending replies: plain text, HTML in as many messages as it takes, and answers with their buttons."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, LinkPreviewOptions, Message, Update
from telegram.constants import ParseMode

from bot.render_html import render_answer
from retrieval.answer import AnswerPassage, Certainty
from retrieval.ranking.timeframe import TimeRange

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


async def reply(update: Update, message: str) -> None:
    """A plain-text reply (no parse mode, so nothing needs escaping)."""
    await update.effective_message.reply_text(message, link_preview_options=NO_PREVIEW)


async def send_html(message: Message, parts: list[str], keyboard: InlineKeyboardMarkup | None = None) -> list[Message]:
    """Reply with HTML messages in order, without link previews; `keyboard` goes under the last one. Returns the
    messages sent."""
    return [await message.reply_text(part, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW,
                                      reply_markup=keyboard if number == len(parts) else None)
            for number, part in enumerate(parts, 1)]


async def send_passages(message: Message, passages: list[AnswerPassage], found: bool | Certainty, lang: str,
                        keyboard: InlineKeyboardMarkup | None, excerpt_chars: int,
                        by_date: bool = False, empty_time: TimeRange | None = None) -> list[Message]:
    """Send an answer's passages in as many HTML messages as they need; the buttons go under the last one.
    Returns the messages sent."""
    return await send_html(message, render_answer(passages, found, lang, excerpt_chars, by_date, empty_time=empty_time),
                           keyboard)

"""Sending replies: plain text, HTML in as many messages as it takes, and answers with their buttons."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, LinkPreviewOptions, Message, Update
from telegram.constants import ParseMode

from bot.render_html import render_answer
from retrieval.answer import Answer, AnswerPassage

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


async def send_passages(message: Message, passages: list[AnswerPassage], answer: Answer, lang: str,
                        keyboard: InlineKeyboardMarkup | None, excerpt_chars: int) -> list[Message]:
    """Send an answer's passages in as many HTML messages as they need, headed as the answer's outcome, date order
    and empty time say; the buttons go under the last one. Returns the messages sent."""
    parts = render_answer(passages, answer.confidence, lang, excerpt_chars, answer.by_date,
                          empty_time=answer.empty_time, unanswered_time=answer.unanswered_time)
    return await send_html(message, parts, keyboard)

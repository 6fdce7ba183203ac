"""Dated browsing: /latest [topic] (five articles at a time, with an Older button) and /timeline topic."""

from __future__ import annotations

import asyncio

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode

from bot.access import CallbackSigner
from bot.handlers.keyboards import button_data
from bot.handlers.replies import NO_PREVIEW, reply, send_html
from bot.handlers.services import Context, language, services
from bot.handlers.typing_indicator import typing
from bot.messages import text
from bot.render_html import render_latest, render_timeline

LATEST_PAGE = 5
BUTTON_BYTES = 64


async def latest(update: Update, context: Context) -> None:
    """/latest [topic]: the newest stored articles, on the topic when one is given."""
    lang = await language(update, context)
    topic = " ".join(context.args or []).strip()
    chat_id = update.effective_chat.id
    async with typing(context.bot, chat_id):
        body, keyboard = await latest_page(context, chat_id, topic, 0, lang)
    await send_html(update.effective_message, [body], keyboard)


async def latest_page(context: Context, chat_id: int, topic: str, offset: int,
                      lang: str) -> tuple[str, InlineKeyboardMarkup | None]:
    """One page of /latest and its Older button when older articles remain."""
    svc = services(context)
    found = await asyncio.to_thread(svc.conversation.library.latest, topic or None, offset, LATEST_PAGE + 1)
    older = len(found) > LATEST_PAGE
    keyboard = older_keyboard(svc.signer, chat_id, topic, offset + LATEST_PAGE, lang) if older else None
    return render_latest(lang, found[:LATEST_PAGE], topic, offset, svc.conversation.settings.timezone), keyboard


def older_keyboard(signer: CallbackSigner, chat_id: int, topic: str, offset: int, lang: str) -> InlineKeyboardMarkup:
    """The Older button of a /latest page; the topic is cut to what fits Telegram's 64 bytes of button data."""
    head = f"new:{offset}:"
    room = BUTTON_BYTES - len(button_data(signer, chat_id, head, lang).encode())
    cut = topic.encode()[: max(0, room)].decode(errors="ignore")
    return InlineKeyboardMarkup([[InlineKeyboardButton(text(lang, "older"),
                                                       callback_data=button_data(signer, chat_id, head + cut, lang))]])


async def latest_page_button(update: Update, context: Context, args: list[str], lang: str) -> None:
    """Show an older page of /latest in place."""
    query = update.callback_query
    offset, topic = int(args[0]), ":".join(args[1:])
    body, keyboard = await latest_page(context, update.effective_chat.id, topic, offset, lang)
    await query.answer()
    await query.edit_message_text(body, parse_mode=ParseMode.HTML, reply_markup=keyboard,
                                  link_preview_options=NO_PREVIEW)


async def timeline(update: Update, context: Context) -> None:
    """/timeline topic: the topic's key sentences across articles, oldest first, each dated and cited."""
    lang = await language(update, context)
    topic = " ".join(context.args or []).strip()
    if not topic:
        await reply(update, text(lang, "usage_timeline"))
        return
    chat_id = update.effective_chat.id
    async with typing(context.bot, chat_id):
        answer = await asyncio.to_thread(services(context).conversation.library.timeline, topic)
    if not answer.passages:
        await reply(update, text(lang, "timeline_none"))
        return
    await send_html(update.effective_message, render_timeline(lang, answer))

"""Inline buttons: verify the signed data, then show more passages, a passage's context, a /sources page, or delete."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.constants import ParseMode

from bot.handlers.browsing import sources_page
from bot.handlers.dated import latest_page_button
from bot.handlers.keyboards import context_keyboard
from bot.handlers.replies import NO_PREVIEW, send_html, send_passages
from bot.handlers.services import Context, chat_key, language, services
from bot.messages import text
from bot.render_html import render_context

log = logging.getLogger(__name__)
Button = Callable[[Update, Context, list[str], str], Awaitable[None]]


async def on_button(update: Update, context: Context) -> None:
    """A pressed button: refuse forged or foreign data, else run the action its payload names."""
    query = update.callback_query
    if update.effective_chat is None or query.message is None:
        await query.answer()
        return
    lang = await language(update, context)
    payload = services(context).signer.verify(update.effective_chat.id, query.data or "")
    kind, _, rest = (payload or "").partition(":")
    action = BUTTONS.get(kind)
    if action is None:
        log.warning("refused a callback with forged or unknown data in update %s", update.update_id)
        await query.answer(text(lang, "forged"), show_alert=True)
        return
    await action(update, context, rest.split(":"), lang)


async def more_passages(update: Update, context: Context, args: list[str], lang: str) -> None:
    """Send the passages of an answer that were not shown yet."""
    query = update.callback_query
    svc = services(context)
    passages = await svc.conversation.more(chat_key(update.effective_chat.id), args[0])
    if passages is None:
        await query.answer(text(lang, "expired"), show_alert=True)
        return
    await query.answer()
    if not passages:
        await query.message.reply_text(text(lang, "no_more"))
        return
    keyboard = context_keyboard(svc.signer, update.effective_chat.id, passages, lang)
    await send_passages(query.message, passages, True, lang, keyboard, svc.conversation.settings.excerpt_chars)


async def passage_context(update: Update, context: Context, args: list[str], lang: str) -> None:
    """Send the article text around a passage."""
    query = update.callback_query
    article_id, start, end, rank = (int(value) for value in args)
    found = await services(context).conversation.context(article_id, start, end)
    if found is None:
        await query.answer(text(lang, "no_article", id=article_id), show_alert=True)
        return
    await query.answer()
    await send_html(query.message, render_context(lang, rank, found))


async def sources_page_button(update: Update, context: Context, args: list[str], lang: str) -> None:
    """Show another page of /sources in place."""
    query = update.callback_query
    body, keyboard = await sources_page(context, update.effective_chat.id, int(args[0]), lang)
    await query.answer()
    await query.edit_message_text(body, parse_mode=ParseMode.HTML, reply_markup=keyboard,
                                  link_preview_options=NO_PREVIEW)


async def confirm_delete(update: Update, context: Context, args: list[str], lang: str) -> None:
    """Delete an article after confirmation (the presser must be an admin too)."""
    query = update.callback_query
    svc = services(context)
    if not svc.access.may_delete(query.from_user.id):
        await query.answer(text(lang, "admins_only"), show_alert=True)
        return
    article_id = int(args[0])
    deleted = await svc.conversation.delete(article_id)
    await query.answer()
    await query.edit_message_text(text(lang, "deleted" if deleted else "no_article", id=article_id))


BUTTONS: dict[str, Button] = {"more": more_passages, "ctx": passage_context, "src": sources_page_button,
                              "del": confirm_delete, "new": latest_page_button}

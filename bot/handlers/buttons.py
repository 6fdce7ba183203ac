"""Inline buttons: verify the signed data, then show more passages, a passage's context, a /sources page, or delete."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.constants import ParseMode

from bot.handlers.browsing import sources_page
from bot.handlers.dated import latest_page_button
from bot.handlers.keyboards import button_language, more_button, passages_keyboard
from bot.handlers.replies import NO_PREVIEW, send_html
from bot.handlers.services import Context, chat_key, language, services
from bot.messages import text
from bot.render_html import render_answer, render_context

log = logging.getLogger(__name__)
Button = Callable[[Update, Context, list[str], str], Awaitable[None]]


async def on_button(update: Update, context: Context) -> None:
    """A pressed button: refuse forged or foreign data, else run the action its payload names, in the language of
    the message the button sits under."""
    query = update.callback_query
    if update.effective_chat is None or query.message is None:
        await query.answer()
        return
    verified = services(context).signer.verify(update.effective_chat.id, query.data or "")
    marked, payload = button_language(verified or "")
    lang = marked or await language(update, context)
    kind, _, rest = payload.partition(":")
    action = BUTTONS.get(kind)
    if action is None:
        log.warning("refused a callback with forged or unknown data in update %s", update.update_id)
        await query.answer(text(lang, "forged"), show_alert=True)
        return
    await action(update, context, rest.split(":"), lang)


async def more_passages(update: Update, context: Context, args: list[str], lang: str) -> None:
    """Send the next page of an answer's passages, with a 'more' button while pages remain; the last page says
    that was all. A button whose answer was forgotten (/reset) says it expired."""
    query = update.callback_query
    svc = services(context)
    offset = int(args[1]) if len(args) > 1 and args[1].isdigit() else None
    page = await svc.conversation.more(chat_key(update.effective_chat.id), args[0], offset)
    if page is None:
        await query.answer(text(lang, "expired"), show_alert=True)
        return
    await query.answer()
    if not page.passages:
        await query.message.reply_text(text(lang, "no_more"))
        return
    more = (more_button(svc.signer, update.effective_chat.id, args[0], page.next_offset, lang)
            if page.next_offset is not None else None)
    keyboard = passages_keyboard(svc.signer, update.effective_chat.id, page.passages, more, lang)
    parts = render_answer(page.passages, True, lang, svc.conversation.settings.excerpt_chars,
                          last_page=page.next_offset is None)
    await send_html(query.message, parts, keyboard)


async def passage_context(update: Update, context: Context, args: list[str], lang: str) -> None:
    """Send the whole sentences around a passage, its key sentence in bold, and its citation (buttons made before
    the key sentence was part of their data, and passages of a listing, have none in bold)."""
    query = update.callback_query
    article_id, start, end, rank = (int(value) for value in args[:4])
    highlight = (int(args[4]), int(args[5])) if len(args) == 6 else None
    found = await services(context).conversation.context(article_id, start, end)
    if found is None:
        await query.answer(text(lang, "no_article", id=article_id), show_alert=True)
        return
    await query.answer()
    await send_html(query.message, render_context(lang, rank, found, highlight))


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


async def cancel_delete(update: Update, context: Context, args: list[str], lang: str) -> None:
    """Keep the article: the confirmation becomes a note that nothing was deleted (admins only, as deleting is)."""
    query = update.callback_query
    if not services(context).access.may_delete(query.from_user.id):
        await query.answer(text(lang, "admins_only"), show_alert=True)
        return
    await query.answer()
    await query.edit_message_text(text(lang, "delete_cancelled", id=int(args[0])))


BUTTONS: dict[str, Button] = {"more": more_passages, "ctx": passage_context, "src": sources_page_button,
                              "del": confirm_delete, "keep": cancel_delete, "new": latest_page_button}

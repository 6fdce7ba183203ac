"""The one access check: every update passes here first (handler group -1) and stops if the bot does not serve
its chat. A refusal is answered only to a button press or a new message meant for the bot, so group chatter, edits
and channel posts are dropped silently."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.handlers.mentions import addressed
from bot.handlers.replies import reply
from bot.handlers.services import Context, language, sender_id, services
from bot.messages import text

log = logging.getLogger(__name__)


async def gate(update: Update, context: Context) -> None:
    """Let through updates from served chats (admins are served everywhere); refuse the others politely.
    Inline queries come from no chat: they pass for users whose private chat is served."""
    chat = update.effective_chat
    user_id = sender_id(update)
    if update.inline_query is not None:
        await gate_inline(update, context, user_id)
        return
    if chat is None or services(context).access.serves_chat(chat.id, user_id):
        return
    query, message = update.callback_query, update.message
    if query is not None or (message is not None and addressed(message, context.bot)):
        log.info("refused chat %s for user %s", chat.id, user_id)
        refusal = text(await language(update, context), "not_allowed_chat")
        if query is not None:
            await query.answer(refusal, show_alert=True)
        else:
            await reply(update, refusal)
    raise ApplicationHandlerStop


async def gate_inline(update: Update, context: Context, user_id: int | None) -> None:
    """Let an inline query through when the user's private chat is served (or the user is an admin); answer the
    others with no results."""
    if user_id is not None and services(context).access.serves_chat(user_id, user_id):
        return
    log.info("refused an inline query from user %s", user_id)
    await update.inline_query.answer([], cache_time=0, is_personal=True)
    raise ApplicationHandlerStop

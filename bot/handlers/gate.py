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
    """Let through updates from served chats (admins are served everywhere); refuse the others politely."""
    chat = update.effective_chat
    user_id = sender_id(update)
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

"""The basics: /start, /help, /lang, /reset, unknown commands, media the bot cannot read, and the apology when
something breaks."""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.error import Conflict, TelegramError

from bot.handlers.mentions import addressed
from bot.handlers.replies import reply
from bot.handlers.services import Context, chat_key, language, services
from bot.messages import LANGUAGES, language_for, text

log = logging.getLogger(__name__)
LAST_ALBUM = "last_unsupported_album"
"""chat_data key: the album whose first photo was already answered with 'I can only read text'."""


async def start(update: Update, context: Context) -> None:
    """/start: welcome and how-to."""
    lang = await language(update, context)
    await reply(update, text(lang, "welcome") + "\n\n" + text(lang, "help"))


async def help_command(update: Update, context: Context) -> None:
    """/help: how to use the bot."""
    await reply(update, text(await language(update, context), "help"))


async def lang_command(update: Update, context: Context) -> None:
    """/lang id|en: switch this chat's language (no argument toggles)."""
    current = await language(update, context)
    choice = (context.args[0].lower() if context.args else ("en" if current == "id" else "id"))
    if choice not in LANGUAGES:
        await reply(update, text(current, "lang_usage"))
        return
    await services(context).conversation.set_language(chat_key(update.effective_chat.id), choice)
    await reply(update, text(choice, "lang_set"))


async def reset(update: Update, context: Context) -> None:
    """/reset: forget this chat's conversation."""
    count = await services(context).conversation.reset(chat_key(update.effective_chat.id))
    await reply(update, text(await language(update, context), "reset", count=count))


async def unknown_command(update: Update, context: Context) -> None:
    """An unknown /command (routed here from private chats only)."""
    await reply(update, text(await language(update, context), "unknown_command"))


async def unsupported(update: Update, context: Context) -> None:
    """A sticker, voice message, photo without caption, video or location: say briefly what the bot can take (in
    groups only when it is addressed, and once per album)."""
    message = update.effective_message
    if not addressed(message, context.bot):
        return
    album = message.media_group_id
    if album is not None:
        if context.chat_data.get(LAST_ALBUM) == album:
            return
        context.chat_data[LAST_ALBUM] = album
    await reply(update, text(await language(update, context), "unsupported_media"))


async def on_error(update: object, context: Context) -> None:
    """Log an unexpected error with its update id and apologise to the chat; the bot keeps running.

    A 409 Conflict while getting updates is only an info line: `tanya bot` decides whether to stop (bot.startup).
    """
    if update is None and isinstance(context.error, Conflict):
        log.info("Telegram answered 409 Conflict: another process may be getting updates with this token")
        return
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("update %s failed: %s", update_id, type(context.error).__name__, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    user = update.effective_user
    lang = language_for(user.language_code if user else None)
    with contextlib.suppress(TelegramError):
        await context.bot.send_message(update.effective_chat.id, text(lang, "error"))

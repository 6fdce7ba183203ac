"""What every handler needs: the shared services, a chat's conversation id, the sender and the reply language."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Update
from telegram.ext import ContextTypes

from bot.access import Access, CallbackSigner
from bot.conversation import Conversation
from bot.forwards import ForwardBuffer
from bot.messages import language_for
from bot.settings import BotSettings

Context = ContextTypes.DEFAULT_TYPE


@dataclass
class Services:
    """What the handlers need, kept in `application.bot_data["services"]`."""

    conversation: Conversation
    access: Access
    signer: CallbackSigner
    settings: BotSettings
    forwards: ForwardBuffer | None = None
    albums: ForwardBuffer | None = None


def services(context: Context) -> Services:
    """The services of this application."""
    return context.bot_data["services"]


def chat_key(chat_id: int) -> str:
    """The conversation id of a Telegram chat, as stored in the database."""
    return f"tg:{chat_id}"


def sender_id(update: Update) -> int | None:
    """The id of the user behind an update; None for channel posts and messages sent on behalf of a chat."""
    user = update.effective_user
    return user.id if user else None


def added_by(user_id: int | None) -> str | None:
    """How an article records the Telegram user who added it (nothing when the sender is unknown)."""
    return f"tg:{user_id}" if user_id is not None else None


async def language(update: Update, context: Context) -> str:
    """The chat's chosen language, else the user's (Indonesian for `id`, English otherwise)."""
    user = update.effective_user
    default = language_for(user.language_code if user else None)
    return await services(context).conversation.language(chat_key(update.effective_chat.id), default)

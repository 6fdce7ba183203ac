"""Whether a message is meant for the bot (in groups it must be addressed), and its text without the @mention."""

from __future__ import annotations

import re

from telegram import Bot, Message, MessageEntity
from telegram.constants import ChatType


def addressed(message: Message, bot: Bot) -> bool:
    """Whether a message is meant for the bot: private chat, a reply to it, a mention, or a command for it."""
    if message.chat.type == ChatType.PRIVATE:
        return True
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot.id:
        return True
    kinds = [MessageEntity.MENTION, MessageEntity.TEXT_MENTION]
    found = {**message.parse_entities(kinds), **message.parse_caption_entities(kinds)}
    handle = f"@{bot.username}".lower()
    return command_for(message, bot) or any(
        value.lower() == handle or (entity.user is not None and entity.user.id == bot.id)
        for entity, value in found.items())


def command_for(message: Message, bot: Bot) -> bool:
    """Whether the message starts with a /command for this bot ("/stats" or "/stats@this_bot", not another bot's)."""
    entities = message.entities
    if not entities or entities[0].type != MessageEntity.BOT_COMMAND or entities[0].offset != 0:
        return False
    _, _, target = message.parse_entity(entities[0]).partition("@")
    return not target or target.lower() == bot.username.lower()


def without_mention(value: str, bot: Bot) -> str:
    """The message text with the bot's @mention removed."""
    return re.sub(rf"@{re.escape(bot.username)}\b", " ", value, flags=re.IGNORECASE).strip()

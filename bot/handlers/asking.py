"""Asking: plain-text questions (in groups only when the bot is addressed) and /ask."""

from __future__ import annotations

from telegram import Update

from bot.conversation import Intent, parse_intent
from bot.handlers.adding import add_link, add_pasted
from bot.handlers.basics import help_command
from bot.handlers.keyboards import answer_keyboard
from bot.handlers.mentions import addressed, without_mention
from bot.handlers.replies import reply, send_passages
from bot.handlers.services import Context, chat_key, language, services
from bot.handlers.typing_indicator import typing
from bot.messages import text


async def ask_command(update: Update, context: Context) -> None:
    """/ask question: the explicit way to ask, e.g. in groups."""
    await answer(update, context, " ".join(context.args or []))


async def on_text(update: Update, context: Context) -> None:
    """Plain text: a link or a pasted article to store, small talk, asking what the bot does, or a question (in
    groups only when the bot is addressed)."""
    intent = _intent(update, context)
    if intent is None:
        return
    if intent.command == "add":
        await add_link(update, context, intent.argument)
    elif intent.command == "paste":
        await add_pasted(update, context, intent.argument)
    elif intent.command == "chat":
        await reply(update, text(await language(update, context), f"chat_{intent.argument}"))
    elif intent.command == "help":
        await help_command(update, context)
    else:
        await answer(update, context, intent.argument)


async def on_edited_text(update: Update, context: Context) -> None:
    """A question corrected by editing it (a typo fixed) is asked again, the answer under the edited message; an
    edit of anything else (a link or article already stored or refused, small talk) is left alone."""
    intent = _intent(update, context)
    if intent is not None and intent.command == "ask":
        await answer(update, context, intent.argument)


def _intent(update: Update, context: Context) -> Intent | None:
    """What a message addressed to the bot asks for (None for a group message not meant for it)."""
    message = update.effective_message
    if not addressed(message, context.bot):
        return None
    return parse_intent(without_mention(message.text or message.caption or "", context.bot))


async def answer(update: Update, context: Context, question: str) -> None:
    """Ask the library and send the best passages with their buttons."""
    lang = await language(update, context)
    if not question.strip():
        await reply(update, text(lang, "usage_ask"))
        return
    svc = services(context)
    chat_id = update.effective_chat.id
    async with typing(context.bot, chat_id):
        view = await svc.conversation.ask(chat_key(chat_id), question, replied_answer(update, context))
    if view.answer.vague:
        await reply(update, text(lang, "ask_vague"))
        return
    sent = await send_passages(update.effective_message, view.shown, view.answer, lang,
                               answer_keyboard(svc.signer, chat_id, view, lang), svc.conversation.settings.excerpt_chars)
    await svc.conversation.answered(view, [message.message_id for message in sent])


def replied_answer(update: Update, context: Context) -> int | None:
    """The id of the bot's message this one replies to (a follow-up of that answer), or None."""
    replied = update.effective_message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.id != context.bot.id:
        return None
    return replied.message_id

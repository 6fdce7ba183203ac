"""Admin commands: /delete ID asks for confirmation with a button (the deletion itself is in bot.handlers.buttons)."""

from __future__ import annotations

from telegram import Update

from bot.conversation import parse_article_id
from bot.handlers.keyboards import delete_keyboard
from bot.handlers.replies import reply
from bot.handlers.services import Context, language, sender_id, services
from bot.messages import text


async def delete(update: Update, context: Context) -> None:
    """/delete ID (admins only): ask for confirmation with a button."""
    lang = await language(update, context)
    svc = services(context)
    if not svc.access.may_delete(sender_id(update)):
        await reply(update, text(lang, "admins_only"))
        return
    article_id = parse_article_id(" ".join(context.args or []))
    if article_id is None:
        await reply(update, text(lang, "usage_delete"))
        return
    info = await svc.conversation.article(article_id)
    if info is None:
        await reply(update, text(lang, "no_article", id=article_id))
        return
    await update.effective_message.reply_text(
        text(lang, "confirm_delete", id=article_id, title=info.title),
        reply_markup=delete_keyboard(svc.signer, update.effective_chat.id, article_id, lang))

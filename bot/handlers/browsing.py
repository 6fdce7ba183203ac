"""Browsing the library: /sources (paged), /article ID and /stats."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.conversation import parse_article_id, stats_text
from bot.handlers.keyboards import sources_keyboard
from bot.handlers.replies import reply, send_html
from bot.handlers.services import Context, language, sender_id, services
from bot.messages import text
from bot.render_html import render_article, render_sources

SOURCES_PAGE = 5


async def sources(update: Update, context: Context) -> None:
    """/sources [PAGE]: the most recent articles, or the numbered page of them (past the end, the last), with paging
    buttons."""
    lang = await language(update, context)
    offset = await _page_offset(context, " ".join(context.args or []))
    body, keyboard = await sources_page(context, update.effective_chat.id, offset, lang)
    await send_html(update.effective_message, [body], keyboard)


async def _page_offset(context: Context, argument: str) -> int:
    """Where the page the user numbered starts (the first page without a number), kept within the stored articles."""
    if not argument.strip().isdecimal():
        return 0
    stored = (await services(context).conversation.stats()).articles
    last_page = max(1, -(-stored // SOURCES_PAGE))
    return (min(max(int(argument), 1), last_page) - 1) * SOURCES_PAGE


async def sources_page(context: Context, chat_id: int, offset: int,
                       lang: str) -> tuple[str, InlineKeyboardMarkup | None]:
    """One page of /sources and its newer/older buttons."""
    svc = services(context)
    articles, older = await svc.conversation.sources(offset, SOURCES_PAGE)
    keyboard = sources_keyboard(svc.signer, chat_id, offset, SOURCES_PAGE, older, lang)
    return render_sources(lang, articles, offset, svc.conversation.settings.timezone), keyboard


async def article(update: Update, context: Context) -> None:
    """/article ID: show one stored article."""
    lang = await language(update, context)
    article_id = parse_article_id(" ".join(context.args or []))
    if article_id is None:
        await reply(update, text(lang, "usage_article"))
        return
    info = await services(context).conversation.article(article_id)
    if info is None:
        await reply(update, text(lang, "no_article", id=article_id))
        return
    await send_html(update.effective_message, render_article(lang, info))


async def stats(update: Update, context: Context) -> None:
    """/stats: the library's counts; admins also see the engine (model, index, turns of all chats), which are
    nobody else's business."""
    lang = await language(update, context)
    svc = services(context)
    engine = svc.access.is_admin(sender_id(update))
    await reply(update, stats_text(await svc.conversation.stats(), lang, svc.conversation.settings.timezone, engine))

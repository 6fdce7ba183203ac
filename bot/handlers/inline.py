"""Inline queries: "@bot question" typed in any chat gets up to five passages to post there."""

from __future__ import annotations

from telegram import Update

from bot.handlers.services import Context, services
from bot.inline_answers import RESULTS, InlineAnswer, InlineCache, inline_results, ready
from bot.messages import language_for
from retrieval.answer import Certainty

CACHE_SECONDS = 30


def inline_cache(context: Context) -> InlineCache:
    """The application's cache of recent inline answers."""
    cache = context.bot_data.get("inline_cache")
    if cache is None:
        cache = context.bot_data["inline_cache"] = InlineCache(CACHE_SECONDS)
    return cache


async def on_inline_query(update: Update, context: Context) -> None:
    """Answer an inline query with the passages worth reading of a found or unsure answer (none for a question the
    library has nothing on, or while it has fewer than `MIN_WORDS` words)."""
    query = update.inline_query
    if not ready(query.query):
        await query.answer([], cache_time=0, is_personal=True)
        return
    cache = inline_cache(context)
    offered = cache.get(query.query)
    if offered is None:
        answer = await services(context).conversation.ask_once(query.query, RESULTS)
        offered = InlineAnswer([] if answer.confidence is Certainty.NOT_FOUND else answer.shown,
                               unsure=answer.confidence is Certainty.UNSURE)
        cache.put(query.query, offered)
    excerpt_chars = services(context).conversation.settings.excerpt_chars
    lang = language_for(query.from_user.language_code if query.from_user else None)
    await query.answer(inline_results(offered, excerpt_chars, lang), cache_time=CACHE_SECONDS, is_personal=True)

"""Feeds in Telegram: /subscribe URL, /feeds and /unsubscribe N (who may change them follows INGEST_ADMINS_ONLY),
and the background round that polls due feeds while the bot runs (feed work runs off the event loop)."""

from __future__ import annotations

import asyncio
import logging

from telegram import Update

from bot.conversation import parse_article_id
from bot.handlers.adding import may_ingest
from bot.handlers.replies import reply
from bot.handlers.services import Context, Services, added_by, language, sender_id, services
from bot.messages import clock, error_reason, text
from retrieval.feeds.service import PollReport
from retrieval.ingest.documents import UserError
from retrieval.ingest.fetch import find_urls

log = logging.getLogger(__name__)
MAX_TICK_SECONDS = 60.0


async def subscribe(update: Update, context: Context) -> None:
    """/subscribe URL: subscribe to a feed (or the feed a site page names), then poll it at once in the background."""
    lang = await language(update, context)
    urls = find_urls(" ".join(context.args or []))
    if not urls:
        await reply(update, text(lang, "usage_subscribe"))
        return
    if not await may_ingest(update, context):
        return
    svc = services(context)
    library = svc.conversation.library
    feed = await asyncio.to_thread(library.feeds.subscribe, urls[0], added_by(sender_id(update)),
                                   svc.conversation.allow_hosts)
    if isinstance(feed, UserError):
        await reply(update, text(lang, "feed_failed", reason=error_reason(lang, feed)))
        return
    await reply(update, text(lang, "feed_subscribed", title=feed.title, id=feed.id,
                             minutes=f"{library.settings.feed_poll_minutes:g}"))
    context.application.create_task(poll_round(svc))


async def feeds(update: Update, context: Context) -> None:
    """/feeds: each feed with its articles stored, last success and last error in words."""
    lang = await language(update, context)
    conversation = services(context).conversation
    listed = await asyncio.to_thread(conversation.library.feeds.list)
    if not listed:
        await reply(update, text(lang, "feeds_empty"))
        return
    lines = [text(lang, "feeds_title")]
    for feed in listed:
        last = clock(feed.last_success_at, conversation.settings.timezone, lang)
        lines.append(text(lang, "feed_line", id=feed.id, title=feed.title, entries=feed.entries_stored, last=last))
        if feed.last_error is not None:
            lines.append(text(lang, "feed_error", reason=error_reason(lang, feed.last_error)))
    await reply(update, "\n".join(lines))


async def unsubscribe(update: Update, context: Context) -> None:
    """/unsubscribe N: stop polling a feed; its articles stay."""
    lang = await language(update, context)
    feed_id = parse_article_id(" ".join(context.args or []))
    if feed_id is None:
        await reply(update, text(lang, "usage_unsubscribe"))
        return
    if not await may_ingest(update, context):
        return
    removed = await asyncio.to_thread(services(context).conversation.library.feeds.unsubscribe, feed_id)
    await reply(update, text(lang, "feed_removed" if removed else "no_feed", id=feed_id))


async def poll_round(svc: Services) -> list[PollReport]:
    """Poll the due feeds once in a worker thread; a failure is logged, never raised into the bot."""
    try:
        reports = await asyncio.to_thread(svc.conversation.library.feeds.poll_due, svc.conversation.allow_hosts)
    except Exception:
        log.exception("feed round failed")
        return []
    for report in reports:
        log.info("feed %s: %d new, %d updated%s", report.feed_id, report.new, report.updated,
                 f" ({report.error})" if report.error else "")
    return reports


async def poll_forever(svc: Services) -> None:
    """Poll due feeds until cancelled, checking at least every minute (each feed is due every FEED_POLL_MINUTES)."""
    tick = min(MAX_TICK_SECONDS, svc.conversation.library.settings.feed_poll_minutes * 60)
    while True:
        await poll_round(svc)
        await asyncio.sleep(tick)

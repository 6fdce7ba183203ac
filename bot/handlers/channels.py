"""Channels the bot administers: each post with substance (the library decides what has) is stored as an article,
silently (nothing is ever posted into the channel); an album's posts are one article, an edited post replaces its
article, a post that is mostly a link stores the linked article cited with the post's link too. `/channels` shows
admins what was taken in."""

from __future__ import annotations

import asyncio
import logging

from telegram import Message, Update

from bot.forwards import ForwardPart, chat_link, chat_name, draft_from_parts
from bot.handlers.replies import reply
from bot.handlers.services import Context, Services, language, sender_id, services
from bot.messages import clock, text
from retrieval.ingest.documents import ArticleDraft, UserError
from retrieval.ingest.fetch import fetch_article, find_urls, is_mostly_link
from retrieval.library import IngestStatus

log = logging.getLogger(__name__)
SOURCE_CHARS = 300


def channel_part(post: Message) -> ForwardPart:
    """A channel post (its text or caption, link, date and signature) as a part of an article."""
    key = f"album:{post.media_group_id}" if post.media_group_id else f"post:{post.message_id}"
    return ForwardPart(post.text or post.caption or "", key, post.message_id, chat_name(post.chat),
                       chat_link(post.chat, post.message_id), post.date, post.author_signature, None, None)


async def on_channel_post(update: Update, context: Context) -> None:
    """A new or edited post in a channel the gate admitted: store it (album posts wait briefly to join)."""
    post = update.effective_message
    svc = services(context)
    if post.media_group_id and update.channel_post is not None and svc.albums is not None:
        svc.albums.add(post.chat.id, channel_part(post))
        return
    await store_channel_post(svc, post.chat.id, [channel_part(post)])


async def store_channel_post(svc: Services, chat_id: int, parts: list[ForwardPart]) -> None:
    """Store the parts of one post (or album) as an article, or the article it links to; only the log hears of it."""
    parts = [part for part in parts if part.text.strip()]
    if not parts:
        return
    post = draft_from_parts(parts)
    draft = await _linked_article(svc, find_urls(post.text)[0], post) if is_mostly_link(post.text) else post
    result = await svc.conversation.add_draft(draft, post.url or f"channel {chat_id}", f"channel:{chat_id}")
    log.info("channel %s post %s: %s %s", chat_id, post.url, result.status, result.error or "")
    if result.status == IngestStatus.ADDED:
        await asyncio.to_thread(svc.conversation.library.count_channel_post, chat_id, parts[0].source or str(chat_id),
                                post.published_at)


async def _linked_article(svc: Services, url: str, post: ArticleDraft) -> ArticleDraft | UserError:
    """The article a post links to, its source line naming the channel and the post's link as well."""
    fetched = await fetch_article(url, svc.conversation.settings, allow_hosts=svc.conversation.allow_hosts)
    if isinstance(fetched, ArticleDraft):
        via = " ".join(part for part in (post.source, post.url) if part)
        fetched.source = " · via ".join(part for part in (fetched.source, via) if part)[:SOURCE_CHARS]
        fetched.published_at = fetched.published_at or post.published_at
    return fetched


async def channels_command(update: Update, context: Context) -> None:
    """/channels (admins only): each channel taken in, with its posts stored and its last post's date."""
    lang = await language(update, context)
    svc = services(context)
    if not svc.access.is_admin(sender_id(update)):
        await reply(update, text(lang, "admins_only"))
        return
    channels = await asyncio.to_thread(svc.conversation.library.channels)
    if not channels:
        await reply(update, text(lang, "channels_empty"))
        return
    lines = [text(lang, "channels_title")] + [
        text(lang, "channel_line", name=c.name, posts=c.posts,
             last=clock(c.last_post_at, svc.conversation.settings.timezone, lang))
        for c in channels]
    await reply(update, "\n".join(lines))

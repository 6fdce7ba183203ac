"""Adding articles: links (in text or /add), pasted articles, uploaded documents and forwarded posts."""

from __future__ import annotations

from telegram import Bot, Update

from bot.conversation import burst_notice, ingest_notice
from bot.forwards import ForwardPart, draft_from_parts, forward_part
from bot.handlers.mentions import addressed
from bot.handlers.replies import NO_PREVIEW, reply
from bot.handlers.services import Context, Services, added_by, chat_key, language, sender_id, services
from bot.handlers.typing_indicator import typing
from bot.messages import language_for, text
from retrieval.ingest.fetch import find_urls, is_mostly_link
from retrieval.library import IngestResult

DOWNLOAD_TIMEOUT = 60.0


async def add_command(update: Update, context: Context) -> None:
    """/add URL: fetch and store a linked article."""
    urls = find_urls(" ".join(context.args or []))
    if not urls:
        await reply(update, text(await language(update, context), "usage_add"))
        return
    await add_link(update, context, urls[0])


async def may_ingest(update: Update, context: Context) -> bool:
    """Whether the sender may add articles; if not, say so politely."""
    if services(context).access.may_ingest(sender_id(update)):
        return True
    await reply(update, text(await language(update, context), "ingest_admins_only"))
    return False


async def add_link(update: Update, context: Context, url: str) -> None:
    """Fetch a link and store its article."""
    if not await may_ingest(update, context):
        return
    lang = await language(update, context)
    async with typing(context.bot, update.effective_chat.id):
        result = await services(context).conversation.add_link(url, added_by=added_by(sender_id(update)),
                                                               chat=chat_key(update.effective_chat.id))
    await reply(update, ingest_notice(result, lang))


async def add_pasted(update: Update, context: Context, pasted: str) -> None:
    """Store an article pasted as a message."""
    if not await may_ingest(update, context):
        return
    lang = await language(update, context)
    async with typing(context.bot, update.effective_chat.id):
        result = await services(context).conversation.add_pasted(pasted, added_by=added_by(sender_id(update)))
    await reply(update, ingest_notice(result, lang))


async def on_document(update: Update, context: Context) -> None:
    """An uploaded document: download it, extract its text and store it."""
    message = update.effective_message
    if not addressed(message, context.bot) or not await may_ingest(update, context):
        return
    lang = await language(update, context)
    document = message.document
    limit = services(context).settings.max_upload_bytes
    if document.file_size and document.file_size > limit:
        await reply(update, text(lang, "upload_too_large", limit=f"{limit / 1_000_000:g} MB"))
        return
    async with typing(context.bot, update.effective_chat.id):
        file = await context.bot.get_file(document.file_id)
        data = bytes(await file.download_as_bytearray(read_timeout=DOWNLOAD_TIMEOUT))
        result = await services(context).conversation.add_file(document.file_name or "document", data, limit,
                                                               added_by=added_by(sender_id(update)),
                                                               chat=chat_key(update.effective_chat.id))
    await reply(update, ingest_notice(result, lang))


async def on_forward(update: Update, context: Context) -> None:
    """A forwarded post (routed here from private chats only), buffered briefly with the rest of its burst."""
    lang = await language(update, context)
    part = forward_part(update.effective_message, text(lang, "forwarded"))
    if part is not None:
        services(context).forwards.add(update.effective_chat.id, part)


async def store_forwarded(bot: Bot, svc: Services, chat_id: int, articles: list[list[ForwardPart]]) -> None:
    """Store each article of a burst of forwarded posts (or the article a post links to); confirm in one message."""
    first = articles[0][0]
    lang = await svc.conversation.language(chat_key(chat_id), language_for(first.language_code))
    if not svc.access.may_ingest(first.user_id):
        await bot.send_message(chat_id, text(lang, "ingest_admins_only"))
        return
    async with typing(bot, chat_id):
        results = [(await _store_article(svc, parts), parts[0].source or text(lang, "forwarded")) for parts in articles]
    await bot.send_message(chat_id, burst_notice(results, lang), link_preview_options=NO_PREVIEW)


async def _store_article(svc: Services, parts: list[ForwardPart]) -> IngestResult:
    """Store the joined parts of one forwarded article, or the article its post links to."""
    draft = draft_from_parts(parts)
    by = added_by(parts[0].user_id)
    if is_mostly_link(draft.text):
        return await svc.conversation.add_link(find_urls(draft.text)[0], by)
    return await svc.conversation.add_draft(draft, draft.url or "forwarded post", by)

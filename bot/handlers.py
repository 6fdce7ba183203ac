"""Thin python-telegram-bot handlers: one per user action, each going through the shared Conversation."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.access import Access, CallbackSigner
from bot.conversation import AnswerView, Conversation, ingest_notice, parse_article_id, parse_intent, stats_text
from bot.forwards import ForwardBuffer, ForwardPart, draft_from_parts, forward_part
from bot.messages import LANGUAGES, language_for, text
from bot.settings import BotSettings
from bot.render_html import render_answer, render_article, render_context, render_sources
from retrieval.answer import AnswerPassage
from retrieval.ingest.fetch import find_urls, is_mostly_link

log = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE
Handler = Callable[[Update, Context], Awaitable[None]]
SOURCES_PAGE = 5
TYPING_EVERY = 4.5
FIRST_TYPING_WAIT = 1.0
DOWNLOAD_TIMEOUT = 60.0
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


@dataclass
class Services:
    """What the handlers need, kept in `application.bot_data["services"]`."""

    conversation: Conversation
    access: Access
    signer: CallbackSigner
    settings: BotSettings
    forwards: ForwardBuffer | None = None


def services(context: Context) -> Services:
    """The services of this application."""
    return context.bot_data["services"]


def excerpt_chars(context: Context) -> int:
    """How long a passage may be before a reply shows only the sentences around its key sentence."""
    return services(context).conversation.settings.excerpt_chars


def chat_key(chat_id: int) -> str:
    """The conversation id of a Telegram chat, as stored in the database."""
    return f"tg:{chat_id}"


def is_private(update: Update) -> bool:
    """Whether the update comes from a one-to-one chat."""
    return update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE


async def language(update: Update, context: Context) -> str:
    """The chat's chosen language, else the user's (Indonesian for `id`, English otherwise)."""
    user = update.effective_user
    default = language_for(user.language_code if user else None)
    return await services(context).conversation.language(chat_key(update.effective_chat.id), default)


async def admitted(update: Update, context: Context) -> bool:
    """Whether the bot serves this chat; if not, say so politely."""
    user = update.effective_user
    if services(context).access.serves_chat(update.effective_chat.id, user.id if user else None):
        return True
    log.info("refused chat %s for user %s", update.effective_chat.id, user.id if user else None)
    await reply(update, text(await language(update, context), "not_allowed_chat"))
    return False


def admitted_only(handler: Handler) -> Handler:
    """Run a command handler only in chats the bot serves; elsewhere `admitted` answers with a polite refusal."""

    @functools.wraps(handler)
    async def guarded(update: Update, context: Context) -> None:
        if await admitted(update, context):
            await handler(update, context)

    return guarded


async def reply(update: Update, message: str) -> None:
    """A plain-text reply (no parse mode, so nothing needs escaping)."""
    await update.effective_message.reply_text(message, link_preview_options=NO_PREVIEW)


def addressed(message: Message, bot: Bot) -> bool:
    """Whether a message is meant for the bot: private chat, a reply to it, or a mention."""
    if message.chat.type == ChatType.PRIVATE:
        return True
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot.id:
        return True
    kinds = [MessageEntity.MENTION, MessageEntity.TEXT_MENTION]
    found = {**message.parse_entities(kinds), **message.parse_caption_entities(kinds)}
    handle = f"@{bot.username}".lower()
    return any(value.lower() == handle or (entity.user is not None and entity.user.id == bot.id)
               for entity, value in found.items())


def without_mention(value: str, bot: Bot) -> str:
    """The message text with the bot's @mention removed."""
    return re.sub(rf"@{re.escape(bot.username)}\b", " ", value, flags=re.IGNORECASE).strip()


@contextlib.asynccontextmanager
async def typing(bot: Bot, chat_id: int) -> AsyncIterator[None]:
    """Show "typing…" in the chat until the block ends; the first one is sent before any reply, even a fast one."""
    first_sent = asyncio.Event()

    async def keep_typing() -> None:
        try:
            with contextlib.suppress(TelegramError):
                while True:
                    await bot.send_chat_action(chat_id, ChatAction.TYPING)
                    first_sent.set()
                    await asyncio.sleep(TYPING_EVERY)
        finally:
            first_sent.set()

    task = asyncio.create_task(keep_typing())
    try:
        yield
    finally:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(first_sent.wait(), FIRST_TYPING_WAIT)
        task.cancel()


@admitted_only
async def start(update: Update, context: Context) -> None:
    """/start: welcome and how-to."""
    lang = await language(update, context)
    await reply(update, text(lang, "welcome") + "\n\n" + text(lang, "help"))


@admitted_only
async def help_command(update: Update, context: Context) -> None:
    """/help: how to use the bot."""
    await reply(update, text(await language(update, context), "help"))


@admitted_only
async def lang_command(update: Update, context: Context) -> None:
    """/lang id|en: switch this chat's language (no argument toggles)."""
    current = await language(update, context)
    choice = (context.args[0].lower() if context.args else ("en" if current == "id" else "id"))
    if choice not in LANGUAGES:
        await reply(update, text(current, "lang_usage"))
        return
    await services(context).conversation.set_language(chat_key(update.effective_chat.id), choice)
    await reply(update, text(choice, "lang_set"))


@admitted_only
async def reset(update: Update, context: Context) -> None:
    """/reset: forget this chat's conversation."""
    count = await services(context).conversation.reset(chat_key(update.effective_chat.id))
    await reply(update, text(await language(update, context), "reset", count=count))


@admitted_only
async def ask_command(update: Update, context: Context) -> None:
    """/ask question: the explicit way to ask, e.g. in groups."""
    await answer(update, context, " ".join(context.args or []))


async def on_text(update: Update, context: Context) -> None:
    """Plain text: a link to store, or a question (in groups only when the bot is addressed)."""
    message = update.effective_message
    if not addressed(message, context.bot) or not await admitted(update, context):
        return
    intent = parse_intent(without_mention(message.text or message.caption or "", context.bot))
    if intent.command == "add":
        await add_link(update, context, intent.argument)
    else:
        await answer(update, context, intent.argument)


async def answer(update: Update, context: Context, question: str) -> None:
    """Ask the library and send the best passages with their buttons."""
    lang = await language(update, context)
    if not question.strip():
        await reply(update, text(lang, "usage_ask"))
        return
    chat_id = update.effective_chat.id
    async with typing(context.bot, chat_id):
        view = await services(context).conversation.ask(chat_key(chat_id), question)
    await send_passages(update.effective_message, view.shown, view.answer.found, lang,
                        answer_keyboard(services(context).signer, chat_id, view, lang), excerpt_chars(context))


def answer_keyboard(signer: CallbackSigner, chat_id: int, view: AnswerView, lang: str) -> InlineKeyboardMarkup | None:
    """A context button per shown passage, and a 'more passages' button when more exist."""
    rows = [[context_button(signer, chat_id, p, lang) for p in view.shown]] if view.shown else []
    if view.has_more:
        rows.append([InlineKeyboardButton(text(lang, "more"), callback_data=signer.sign(chat_id, f"more:{view.key}"))])
    return InlineKeyboardMarkup(rows) if rows else None


def context_button(signer: CallbackSigner, chat_id: int, passage: AnswerPassage, lang: str) -> InlineKeyboardButton:
    """The 'context [n]' button of a passage."""
    payload = f"ctx:{passage.article.id}:{passage.char_start}:{passage.char_end}:{passage.rank}"
    return InlineKeyboardButton(text(lang, "context", n=passage.rank), callback_data=signer.sign(chat_id, payload))


async def send_passages(message: Message, passages: list[AnswerPassage], found: bool, lang: str,
                        keyboard: InlineKeyboardMarkup | None, excerpt_chars: int) -> None:
    """Send an answer in as many HTML messages as it needs; the buttons go under the last one."""
    await send_html(message, render_answer(passages, found, lang, excerpt_chars), keyboard)


async def send_html(message: Message, parts: list[str], keyboard: InlineKeyboardMarkup | None = None) -> None:
    """Reply with HTML messages in order, without link previews; `keyboard` goes under the last one."""
    for number, part in enumerate(parts, 1):
        await message.reply_text(part, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW,
                                 reply_markup=keyboard if number == len(parts) else None)


@admitted_only
async def add_command(update: Update, context: Context) -> None:
    """/add URL: fetch and store a linked article."""
    urls = find_urls(" ".join(context.args or []))
    if not urls:
        await reply(update, text(await language(update, context), "usage_add"))
        return
    await add_link(update, context, urls[0])


async def may_ingest(update: Update, context: Context) -> bool:
    """Whether this user may add articles; if not, say so politely."""
    user = update.effective_user
    if services(context).access.may_ingest(user.id if user else None):
        return True
    await reply(update, text(await language(update, context), "ingest_admins_only"))
    return False


async def add_link(update: Update, context: Context, url: str) -> None:
    """Fetch a link and store its article."""
    if not await may_ingest(update, context):
        return
    lang = await language(update, context)
    async with typing(context.bot, update.effective_chat.id):
        result = await services(context).conversation.add_link(url, added_by=f"tg:{update.effective_user.id}")
    await reply(update, ingest_notice(result, lang))


async def on_document(update: Update, context: Context) -> None:
    """An uploaded document: download it, extract its text and store it."""
    message = update.effective_message
    if not addressed(message, context.bot) or not await admitted(update, context) or not await may_ingest(update, context):
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
                                                               added_by=f"tg:{update.effective_user.id}")
    await reply(update, ingest_notice(result, lang))


async def on_forward(update: Update, context: Context) -> None:
    """A forwarded post (private chats only): buffered briefly so that the parts of one article join."""
    if not is_private(update) or not await admitted(update, context):
        return
    lang = await language(update, context)
    part = forward_part(update.effective_message, text(lang, "forwarded"))
    if part is not None:
        services(context).forwards.add(update.effective_chat.id, part)


async def store_forwarded(bot: Bot, svc: Services, chat_id: int, parts: list[ForwardPart]) -> None:
    """Store the joined parts of a forwarded post (or the article it links to) and confirm."""
    first = parts[0]
    lang = await svc.conversation.language(chat_key(chat_id), language_for(first.language_code))
    if not svc.access.may_ingest(first.user_id):
        await bot.send_message(chat_id, text(lang, "ingest_admins_only"))
        return
    draft = draft_from_parts(parts)
    if not draft.text:
        await bot.send_message(chat_id, text(lang, "no_document_text"))
        return
    added_by = f"tg:{first.user_id}"
    async with typing(bot, chat_id):
        if is_mostly_link(draft.text):
            result = await svc.conversation.add_link(find_urls(draft.text)[0], added_by)
        else:
            result = await svc.conversation.add_draft(draft, draft.url or "forwarded post", added_by)
    await bot.send_message(chat_id, ingest_notice(result, lang), link_preview_options=NO_PREVIEW)


@admitted_only
async def sources(update: Update, context: Context) -> None:
    """/sources: the most recent articles, with paging buttons."""
    lang = await language(update, context)
    body, keyboard = await sources_page(context, update.effective_chat.id, 0, lang)
    await send_html(update.effective_message, [body], keyboard)


async def sources_page(context: Context, chat_id: int, offset: int, lang: str) -> tuple[str, InlineKeyboardMarkup | None]:
    """One page of /sources and its newer/older buttons."""
    svc = services(context)
    articles, older = await svc.conversation.sources(offset, SOURCES_PAGE)
    buttons = []
    if offset > 0:
        buttons.append(InlineKeyboardButton(text(lang, "newer"),
                                            callback_data=svc.signer.sign(chat_id, f"src:{max(0, offset - SOURCES_PAGE)}")))
    if older:
        buttons.append(InlineKeyboardButton(text(lang, "older"),
                                            callback_data=svc.signer.sign(chat_id, f"src:{offset + SOURCES_PAGE}")))
    return render_sources(lang, articles, offset), InlineKeyboardMarkup([buttons]) if buttons else None


@admitted_only
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


@admitted_only
async def delete(update: Update, context: Context) -> None:
    """/delete ID (admins only): ask for confirmation with a button."""
    lang = await language(update, context)
    svc = services(context)
    if not svc.access.may_delete(update.effective_user.id):
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
    button = InlineKeyboardButton(text(lang, "delete_button", id=article_id),
                                  callback_data=svc.signer.sign(update.effective_chat.id, f"del:{article_id}"))
    await update.effective_message.reply_text(text(lang, "confirm_delete", id=article_id, title=info.title),
                                              reply_markup=InlineKeyboardMarkup([[button]]))


@admitted_only
async def stats(update: Update, context: Context) -> None:
    """/stats: library counts."""
    lang = await language(update, context)
    await reply(update, stats_text(await services(context).conversation.stats(), lang))


async def unknown_command(update: Update, context: Context) -> None:
    """An unknown /command in a private chat."""
    if is_private(update) and await admitted(update, context):
        await reply(update, text(await language(update, context), "unknown_command"))


async def on_button(update: Update, context: Context) -> None:
    """An inline button: verify its signature, then show more passages, context, a page, or delete."""
    query = update.callback_query
    svc = services(context)
    if update.effective_chat is None or query.message is None:
        await query.answer()
        return
    lang = await language(update, context)
    payload = svc.signer.verify(update.effective_chat.id, query.data or "")
    if payload is None:
        log.warning("refused a callback with an invalid signature in update %s", update.update_id)
        await query.answer(text(lang, "forged"), show_alert=True)
        return
    if not svc.access.serves_chat(update.effective_chat.id, query.from_user.id):
        await query.answer(text(lang, "not_allowed_chat"), show_alert=True)
        return
    kind, _, rest = payload.partition(":")
    handler = BUTTONS.get(kind)
    if handler is None:
        await query.answer(text(lang, "forged"), show_alert=True)
        return
    await handler(update, context, rest.split(":"), lang)


async def more_button(update: Update, context: Context, args: list[str], lang: str) -> None:
    """Send the passages of an answer that were not shown yet."""
    query = update.callback_query
    passages = await services(context).conversation.more(chat_key(update.effective_chat.id), args[0])
    if passages is None:
        await query.answer(text(lang, "expired"), show_alert=True)
        return
    await query.answer()
    if not passages:
        await query.message.reply_text(text(lang, "no_more"))
        return
    signer = services(context).signer
    keyboard = InlineKeyboardMarkup([[context_button(signer, update.effective_chat.id, p, lang) for p in passages]])
    await send_passages(query.message, passages, True, lang, keyboard, excerpt_chars(context))


async def context_button_pressed(update: Update, context: Context, args: list[str], lang: str) -> None:
    """Send the article text around a passage."""
    query = update.callback_query
    article_id, start, end, rank = (int(value) for value in args)
    found = await services(context).conversation.context(article_id, start, end)
    if found is None:
        await query.answer(text(lang, "no_article", id=article_id), show_alert=True)
        return
    await query.answer()
    await send_html(query.message, render_context(lang, rank, found))


async def sources_button(update: Update, context: Context, args: list[str], lang: str) -> None:
    """Show another page of /sources in place."""
    query = update.callback_query
    body, keyboard = await sources_page(context, update.effective_chat.id, int(args[0]), lang)
    await query.answer()
    await query.edit_message_text(body, parse_mode=ParseMode.HTML, reply_markup=keyboard,
                                  link_preview_options=NO_PREVIEW)


async def delete_button(update: Update, context: Context, args: list[str], lang: str) -> None:
    """Delete an article after confirmation (the presser must be an admin too)."""
    query = update.callback_query
    svc = services(context)
    if not svc.access.may_delete(query.from_user.id):
        await query.answer(text(lang, "admins_only"), show_alert=True)
        return
    article_id = int(args[0])
    deleted = await svc.conversation.delete(article_id)
    await query.answer()
    await query.edit_message_text(text(lang, "deleted" if deleted else "no_article", id=article_id))


BUTTONS = {"more": more_button, "ctx": context_button_pressed, "src": sources_button, "del": delete_button}


async def on_error(update: object, context: Context) -> None:
    """Log an unexpected error with its update id and apologise to the chat; the bot keeps running."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("update %s failed: %s", update_id, type(context.error).__name__, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    user = update.effective_user
    lang = language_for(user.language_code if user else None)
    with contextlib.suppress(TelegramError):
        await context.bot.send_message(update.effective_chat.id, text(lang, "error"))

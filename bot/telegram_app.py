"""The Telegram Application: its services, the routing of updates to the handlers, and the command menu."""

from __future__ import annotations

import asyncio
import logging

from telegram import BotCommand, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.access import Access, CallbackSigner
from bot.conversation import Conversation
from bot.forwards import ForwardBuffer, ForwardPart
from bot.handlers import adding, admin, asking, basics, browsing, buttons, channels, dated, feeds, inline
from bot.handlers.gate import gate
from bot.handlers.services import Services
from bot.messages import command_menu
from bot.retry import RetryingRateLimiter
from bot.settings import BotSettings
from retrieval.library import Library

log = logging.getLogger(__name__)
CONCURRENT_UPDATES = 64


def build_application(settings: BotSettings, library: Library, *, allow_hosts: frozenset[str] = frozenset(),
                      forward_join_seconds: float | None = None) -> Application:
    """A ready-to-run Application over `library`, talking to the Bot API at TELEGRAM_BASE_URL."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    application = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token or "")
        .base_url(settings.telegram_base_url)
        .base_file_url(settings.telegram_base_file_url)
        .rate_limiter(RetryingRateLimiter())
        .concurrent_updates(CONCURRENT_UPDATES)
        .defaults(Defaults(allow_sending_without_reply=True))
        .post_init(post_init)
        .post_stop(post_stop)
        .build()
    )
    delay = settings.forward_join_seconds if forward_join_seconds is None else forward_join_seconds
    svc = Services(Conversation(library, allow_hosts=allow_hosts), Access.from_settings(settings),
                   CallbackSigner(settings.telegram_bot_token or ""), settings)

    async def flush(chat_id: int, articles: list[list[ForwardPart]]) -> None:
        """Store the articles of a burst of forwarded posts."""
        await adding.store_forwarded(application.bot, svc, chat_id, articles)

    svc.forwards = ForwardBuffer(delay, flush, application.create_task)

    async def store_album(chat_id: int, albums: list[list[ForwardPart]]) -> None:
        """Store each channel album that arrived, its posts joined."""
        for parts in albums:
            await channels.store_channel_post(svc, chat_id, parts)

    svc.albums = ForwardBuffer(delay, store_album, application.create_task)
    application.bot_data["services"] = svc
    add_handlers(application)
    return application


UNREADABLE = (filters.Sticker.ALL | filters.VOICE | filters.AUDIO | filters.VIDEO | filters.VIDEO_NOTE
              | filters.ANIMATION | filters.PHOTO | filters.LOCATION | filters.VENUE | filters.CONTACT | filters.POLL
              | filters.Dice.ALL)
"""Messages with nothing the bot can read (a caption would make them text)."""


def add_handlers(application: Application) -> None:
    """Route each user action to its handler, after the access gate: new messages, button presses, a question edited
    to fix it (answered again), and the posts (new or edited) of channels the bot administers, stored silently.

    In groups, forwards and unknown commands are left alone; there the bot answers text only when addressed.
    Messages posted through an inline query ("via" a bot) are not questions.
    """
    new, private = filters.UpdateType.MESSAGE, filters.ChatType.PRIVATE
    application.add_handler(TypeHandler(Update, gate), group=-1)
    commands = {
        "start": basics.start, "help": basics.help_command, "lang": basics.lang_command, "reset": basics.reset,
        "ask": asking.ask_command, "add": adding.add_command, "sources": browsing.sources,
        "list": browsing.sources, "article": browsing.article, "stats": browsing.stats, "delete": admin.delete,
        "channels": channels.channels_command, "subscribe": feeds.subscribe, "feeds": feeds.feeds,
        "unsubscribe": feeds.unsubscribe,
        "latest": dated.latest, "timeline": dated.timeline,
    }
    application.add_handlers([CommandHandler(name, callback, filters=new) for name, callback in commands.items()])
    text_or_caption = filters.TEXT | filters.CAPTION
    application.add_handlers([
        MessageHandler(new & private & filters.COMMAND, basics.unknown_command),
        MessageHandler(new & filters.Document.ALL, adding.on_document),
        MessageHandler(new & private & filters.FORWARDED & text_or_caption, adding.on_forward),
        MessageHandler(new & ~filters.COMMAND & ~filters.FORWARDED & ~filters.VIA_BOT & text_or_caption,
                       asking.on_text),
        MessageHandler(filters.UpdateType.EDITED_MESSAGE & ~filters.COMMAND & ~filters.FORWARDED & ~filters.VIA_BOT
                       & filters.TEXT, asking.on_edited_text),
        MessageHandler(new & ~filters.VIA_BOT & ~text_or_caption & UNREADABLE, basics.unsupported),
        CallbackQueryHandler(buttons.on_button),
        MessageHandler(filters.UpdateType.CHANNEL_POSTS, channels.on_channel_post),
        InlineQueryHandler(inline.on_inline_query),
    ])
    application.add_error_handler(basics.on_error)


async def post_init(application: Application) -> None:
    """Start polling feeds in the background (a plain task: the Application waits for its own tasks when stopping,
    and this one never ends; post_stop cancels it); register the command menu in English (default) and Indonesian."""
    poller = asyncio.get_running_loop().create_task(feeds.poll_forever(application.bot_data["services"]))
    application.bot_data["feed_poller"] = poller
    try:
        for lang in ("en", "id"):
            menu = [BotCommand(name, description) for name, description in command_menu(lang)]
            await application.bot.set_my_commands(menu, language_code=None if lang == "en" else lang)
    except TelegramError as error:
        log.warning("could not register the command menu: %s", error)


async def post_stop(application: Application) -> None:
    """Stop polling feeds; store forwarded posts and channel albums still waiting in their join buffers."""
    poller = application.bot_data.pop("feed_poller", None)
    if poller is not None:
        poller.cancel()
    svc = application.bot_data["services"]
    for buffer in (svc.forwards, svc.albums):
        if buffer is not None:
            await buffer.flush_all()

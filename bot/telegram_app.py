"""The Telegram bot: Application wiring, the command menu, logging without the token, and `tanya bot`."""

from __future__ import annotations

import argparse
import contextlib
import asyncio
import logging
import re
from collections.abc import Iterator
from urllib.parse import quote, urlsplit

from telegram import Bot, BotCommand, Update
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    MessageHandler,
    filters,
)

from bot import handlers
from bot.access import Access, CallbackSigner, webhook_secret
from bot.conversation import Conversation
from bot.forwards import ForwardBuffer, ForwardPart
from bot.messages import command_menu
from bot.retry import RetryingRateLimiter
from retrieval.library import Library
from bot.settings import BotSettings
from retrieval.settings import Settings

log = logging.getLogger(__name__)
TOKEN_SHAPE = re.compile(r"^\d+:[A-Za-z0-9_-]{20,}$")
CONCURRENT_UPDATES = 64
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]


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
    svc = handlers.Services(Conversation(library, allow_hosts=allow_hosts), Access.from_settings(settings),
                            CallbackSigner(settings.telegram_bot_token or ""), settings)

    async def flush(chat_id: int, parts: list[ForwardPart]) -> None:
        """Store the joined parts of a forwarded post."""
        await handlers.store_forwarded(application.bot, svc, chat_id, parts)

    svc.forwards = ForwardBuffer(delay, flush, application.create_task)
    application.bot_data["services"] = svc
    add_handlers(application)
    return application


def add_handlers(application: Application) -> None:
    """Route each user action to its handler; only new messages and button presses are handled."""
    new = filters.UpdateType.MESSAGE
    commands = {
        "start": handlers.start, "help": handlers.help_command, "lang": handlers.lang_command,
        "reset": handlers.reset, "ask": handlers.ask_command, "add": handlers.add_command,
        "sources": handlers.sources, "article": handlers.article, "delete": handlers.delete,
        "stats": handlers.stats,
    }
    application.add_handlers([CommandHandler(name, callback, filters=new) for name, callback in commands.items()])
    application.add_handlers([
        MessageHandler(new & filters.COMMAND, handlers.unknown_command),
        MessageHandler(new & filters.Document.ALL, handlers.on_document),
        MessageHandler(new & filters.FORWARDED & (filters.TEXT | filters.CAPTION), handlers.on_forward),
        MessageHandler(new & (filters.TEXT | filters.CAPTION), handlers.on_text),
        CallbackQueryHandler(handlers.on_button),
    ])
    application.add_error_handler(handlers.on_error)


async def post_init(application: Application) -> None:
    """Register the command menu in English (default) and Indonesian."""
    try:
        for lang in ("en", "id"):
            menu = [BotCommand(name, description) for name, description in command_menu(lang)]
            await application.bot.set_my_commands(menu, language_code=None if lang == "en" else lang)
    except TelegramError as error:
        log.warning("could not register the command menu: %s", error)


async def post_stop(application: Application) -> None:
    """Store forwarded posts still waiting in the join buffer."""
    forwards = application.bot_data["services"].forwards
    if forwards is not None:
        await forwards.flush_all()


class RedactingFormatter(logging.Formatter):
    """A log formatter that never prints the bot token (in messages or tracebacks)."""

    def __init__(self, secret: str, fmt: str) -> None:
        super().__init__(fmt)
        self.secrets = _token_forms(secret)

    def format(self, record: logging.LogRecord) -> str:
        """Format as usual, then blank out the token in every form it may appear in."""
        text = super().format(record)
        for secret in self.secrets:
            text = text.replace(secret, "<token>")
        return text


def _token_forms(token: str) -> list[str]:
    """The token, its percent-encoded form and its secret half, longest first."""
    if not token:
        return []
    forms = {token, quote(token, safe=""), token.split(":", 1)[-1]}
    return sorted((f for f in forms if len(f) >= 8), key=len, reverse=True)


def hide_token_in_logs(token: str) -> None:
    """Make every root log handler redact the token, and keep httpx's request lines (with URLs) out."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=logging.INFO)
    for handler in root.handlers:
        handler.setFormatter(RedactingFormatter(token, "%(asctime)s %(levelname)s %(name)s: %(message)s"))


def check_token(settings: BotSettings) -> str:
    """The token from TELEGRAM_BOT_TOKEN, or a one-line exit when it is missing or malformed."""
    token = (settings.telegram_bot_token or "").strip()
    if not token:
        raise SystemExit("tanya: TELEGRAM_BOT_TOKEN is not set; put the token from @BotFather in .env")
    if not TOKEN_SHAPE.match(token):
        raise SystemExit("tanya: TELEGRAM_BOT_TOKEN does not look like a bot token (expected 123456:ABC…)")
    return token


async def verify_token(settings: BotSettings) -> None:
    """Ask the Bot API who we are before loading the model; a rejected token or no connection is a one-line exit."""
    bot = Bot(settings.telegram_bot_token or "", base_url=settings.telegram_base_url,
              base_file_url=settings.telegram_base_file_url)
    with telegram_errors_exit(settings):
        async with bot:
            log.info("connected as @%s", bot.username)


@contextlib.contextmanager
def telegram_errors_exit(settings: BotSettings) -> Iterator[None]:
    """A rejected token or an unreachable Bot API ends the command with one line, not a traceback."""
    try:
        yield
    except InvalidToken:
        raise SystemExit("tanya: Telegram rejected the bot token; check TELEGRAM_BOT_TOKEN") from None
    except NetworkError as error:
        raise SystemExit(unreachable(settings, error)) from None


def unreachable(settings: BotSettings, error: NetworkError) -> str:
    """The one-line error for a Bot API server that cannot be reached (never showing the token)."""
    reason = error.message.replace(settings.telegram_bot_token or "<none>", "<token>")
    return f"tanya: cannot reach the Telegram Bot API at {urlsplit(settings.telegram_base_url).netloc} ({reason})"


def run(application: Application, settings: BotSettings, webhook_url: str | None) -> None:
    """Serve updates by long polling, or as a webhook server with a secret token when a URL is given."""
    if not webhook_url:
        application.run_polling(allowed_updates=ALLOWED_UPDATES)
        return
    application.run_webhook(listen=settings.webhook_listen, port=settings.webhook_port,
                            url_path=urlsplit(webhook_url).path.lstrip("/"), webhook_url=webhook_url,
                            secret_token=webhook_secret(settings), allowed_updates=ALLOWED_UPDATES)


def main(args: argparse.Namespace, engine: Settings) -> int:
    """`tanya bot [--webhook-url URL]`."""
    from bot.cli import open_library

    settings = BotSettings()
    hide_token_in_logs(check_token(settings))
    asyncio.run(verify_token(settings))
    library = open_library(engine)
    library.start_sync()
    application = build_application(settings, library)
    try:
        with telegram_errors_exit(settings):
            run(application, settings, getattr(args, "webhook_url", None) or settings.webhook_url)
    finally:
        library.close()
    return 0

"""`tanya bot`: check the token and the Bot API before loading the model, then serve updates. Every start-up
failure (no or a rejected token, an unreachable server, a reply that is not the Bot API's JSON, another process
getting this bot's updates) ends the command with one line, never a traceback, and never shows the token."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

from telegram import Bot, Update
from telegram.error import Conflict, InvalidToken, NetworkError, TelegramError
from telegram.ext import Application

from bot.access import webhook_secret
from bot.handlers.services import Context
from bot.redaction import hide_token_in_logs, redact
from bot.settings import BotSettings
from bot.telegram_app import build_application
from retrieval.settings import Settings

log = logging.getLogger(__name__)
TOKEN_SHAPE = re.compile(r"^\d+:[A-Za-z0-9_-]{20,}$")
ALLOWED_UPDATES = [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY, Update.CHANNEL_POST,
                   Update.EDITED_CHANNEL_POST, Update.INLINE_QUERY]
CONFLICTS_TO_STOP = 3
CONFLICT_WINDOW = 60.0


def check_token(settings: BotSettings) -> str:
    """The token from TELEGRAM_BOT_TOKEN, or a one-line exit when it is missing or malformed."""
    token = (settings.telegram_bot_token or "").strip()
    if not token:
        raise SystemExit("tanya: TELEGRAM_BOT_TOKEN is not set; put the token from @BotFather in .env")
    if not TOKEN_SHAPE.match(token):
        raise SystemExit("tanya: TELEGRAM_BOT_TOKEN does not look like a bot token (expected 123456:ABC…)")
    return token


async def verify_token(settings: BotSettings) -> None:
    """Ask the Bot API who we are before loading the model; any failure is a one-line exit."""
    bot = Bot(settings.telegram_bot_token or "", base_url=settings.telegram_base_url,
              base_file_url=settings.telegram_base_file_url)
    with telegram_errors_exit(settings), telegram_logs_held_back():
        async with bot:
            log.info("connected as @%s", bot.username)


@contextlib.contextmanager
def telegram_logs_held_back() -> Iterator[None]:
    """Keep python-telegram-bot's own error records (with tracebacks, e.g. for a reply that is not JSON) out of the
    log while a start-up failure is reported as one line instead."""
    logger = logging.getLogger("telegram")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


@contextlib.contextmanager
def telegram_errors_exit(settings: BotSettings) -> Iterator[None]:
    """A Bot API failure ends the command with one line, not a traceback."""
    try:
        yield
    except TelegramError as error:
        raise SystemExit(failure_line(settings, error)) from None


def failure_line(settings: BotSettings, error: TelegramError) -> str:
    """The one-line explanation of a Bot API failure (never showing the token)."""
    host = urlsplit(settings.telegram_base_url).netloc
    # python-telegram-bot appends the whole body of a reply it could not parse; the status before it is enough.
    reason = redact(error.message.split(". Parsing the server response")[0], settings.telegram_bot_token or "")
    if not_json(error) and not isinstance(error, NetworkError):
        return (f"tanya: the server at {host} does not answer like the Telegram Bot API (its reply is not JSON); "
                "check TELEGRAM_BASE_URL")
    if isinstance(error, InvalidToken):
        return "tanya: Telegram rejected the bot token; check TELEGRAM_BOT_TOKEN"
    if isinstance(error, Conflict):
        return ("tanya: another process is getting this bot's updates (Telegram answered 409 Conflict); "
                "run one `tanya bot` per token")
    if isinstance(error, NetworkError):
        return f"tanya: cannot reach the Telegram Bot API at {host} ({reason})"
    return f"tanya: the Telegram Bot API at {host} answered with an error ({reason})"


def not_json(error: BaseException) -> bool:
    """Whether the error comes from a reply that could not be read as JSON."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ValueError):
            return True
        cause = cause.__cause__
    return False


class ConflictGuard:
    """Stops polling when Telegram keeps answering 409 Conflict: one can be the overlap of a restart, several in a
    short while mean that another process gets this bot's updates."""

    def __init__(self, limit: int = CONFLICTS_TO_STOP, window: float = CONFLICT_WINDOW) -> None:
        self.limit = limit
        self.window = window
        self.seen: list[float] = []
        self.stopped = False

    async def __call__(self, update: object, context: Context) -> None:
        """An error handler: count Conflicts and stop the application at the limit."""
        if not isinstance(context.error, Conflict) or self.stopped:
            return
        now = time.monotonic()
        self.seen = [when for when in self.seen if now - when < self.window] + [now]
        if len(self.seen) >= self.limit:
            self.stopped = True
            # Stopping makes one last getUpdates call, which fails with the same Conflict: no need to log it.
            logging.getLogger("telegram.ext.Updater").setLevel(logging.CRITICAL)
            context.application.stop_running()


def run(application: Application, settings: BotSettings, webhook_url: str | None) -> None:
    """Serve updates by long polling, or as a webhook server with a secret token when a URL is given."""
    if webhook_url:
        application.run_webhook(listen=settings.webhook_listen, port=settings.webhook_port,
                                url_path=urlsplit(webhook_url).path.lstrip("/"), webhook_url=webhook_url,
                                secret_token=webhook_secret(settings), allowed_updates=ALLOWED_UPDATES)
        return
    conflicts = ConflictGuard()
    application.add_error_handler(conflicts)
    application.run_polling(allowed_updates=ALLOWED_UPDATES)
    if conflicts.stopped:
        raise Conflict("Conflict: another getUpdates request is running")


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

"""The "typing…" indicator shown while the bot works on a reply."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from telegram import Bot
from telegram.constants import ChatAction
from telegram.error import TelegramError

TYPING_EVERY = 4.5
FIRST_TYPING_WAIT = 1.0


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

"""`tanya chat`: the same conversation logic as the bot, in a terminal."""

from __future__ import annotations

import asyncio
import io

from bot.console import Console, converse
from bot.conversation import Conversation
from bot.messages import text
from tests.bot_harness import web_pages
from tests.corpus import EARTHQUAKE_PAGE


def test_console_answers_follow_ups_and_reset_over_the_stored_conversation(bot_sample_library) -> None:
    out = io.StringIO()
    console = Console(Conversation(bot_sample_library), "id")
    script = "siapa yang mendampingi Putin?\ndi mana mereka bertemu?\n/reset\n/help\n/quit\nnot reached\n"
    asyncio.run(converse(console, io.StringIO(script), out))
    text = " ".join(out.getvalue().split())
    assert "**Delegasi Rusia yang mendampingi Putin antara lain Menteri Pertahanan Andrei Belousov" in text
    assert "Putin tiba di Korea Utara untuk bertemu Kim Jong Un · Tribunnews.com" in text
    assert "Selesai: percakapan ini sudah saya lupakan (2 giliran)." in text
    assert "/add URL" in text and "not reached" not in text
    assert bot_sample_library.history("console") == []


def test_console_add_url_stores_the_article_and_answers_from_it(bot_library) -> None:
    out = io.StringIO()
    console = Console(Conversation(bot_library, allow_hosts=frozenset({"127.0.0.1"})), "en")
    with web_pages({"/gempa": ("text/html", EARTHQUAKE_PAGE)}) as site:
        script = f"/add {site}/gempa\nhow deep was the Cianjur earthquake?\n/stats\n"
        asyncio.run(converse(console, io.StringIO(script), out))
    text = " ".join(out.getvalue().split())
    assert "Saved “" in text and "article #1" in text
    assert "10 kilometer" in text and f"{site}/gempa" in text
    assert "Articles: 1" in text


def test_console_says_plainly_when_nothing_matches(bot_sample_library) -> None:
    out = io.StringIO()
    asyncio.run(converse(Console(Conversation(bot_sample_library), "en"), io.StringIO("What is the recipe for rendang?\n"), out))
    assert out.getvalue().startswith("I found nothing about this in the stored articles.\nThe nearest passage")


def test_asking_the_console_what_it_can_do_gets_its_own_how_to(bot_sample_library) -> None:
    """"what can you do?" in `tanya chat` prints the console's commands, not the Telegram bot's forwarding how-to."""
    out = io.StringIO()
    asyncio.run(converse(Console(Conversation(bot_sample_library), "en"), io.StringIO("what can you do?\n"), out))
    assert out.getvalue().strip() == text("en", "console_help").strip()

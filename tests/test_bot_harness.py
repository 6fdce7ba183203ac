"""The bot's harness itself (tests/bot_harness.py): a real Application against the fake Bot API starts, registers
its command menu and greets each user in their language."""

from __future__ import annotations

from bot.telegram_app import post_init
from tests.bot_harness import exchange


def test_command_menu_is_registered_in_english_and_indonesian_at_start(tg, start_bot, bot_library) -> None:
    with start_bot(bot_library) as running:
        assert running.app.post_init is post_init
        running.run(post_init(running.app))
        english = tg.commands()
        indonesian = tg.commands(language_code="id")
    assert {"start", "help", "ask", "add", "sources", "article", "delete", "stats", "reset", "lang"} <= {
        c["command"] for c in english}
    assert next(c for c in indonesian if c["command"] == "reset")["description"] == "Lupakan percakapan ini"


def test_start_greets_in_indonesian_for_id_users_and_in_english_otherwise(tg, start_bot, bot_library) -> None:
    with start_bot(bot_library):
        indonesian = exchange(tg, 11, lambda: tg.command(11, "/start", language_code="id"))
        english = exchange(tg, 12, lambda: tg.command(12, "/start", language_code="en-US"))
    assert indonesian[0]["params"]["text"].startswith("Halo!")
    assert english[0]["params"]["text"].startswith("Hello!")

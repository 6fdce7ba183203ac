"""Inline mode: "@bot question" typed in any chat returns passages to post there, through the real Application and
the fake Bot API; the access rules hold and a question still being typed gets nothing."""

from __future__ import annotations

import pytest

from retrieval.library import Library
from tests.bot_harness import bold_texts
from tests.corpus import SOLAR_2024

PUTIN_TITLE = "Putin tiba di Korea Utara untuk bertemu Kim Jong Un"


def test_get_me_reports_inline_support(tg, start_bot, bot_sample_library: Library) -> None:
    with start_bot(bot_sample_library) as running:
        assert running.app.bot.supports_inline_queries


@pytest.mark.parametrize(("question", "language"), [("siapa yang mendampingi Putin?", "id"),
                                                    ("Who was in the Russian delegation accompanying Putin?", "en")])
def test_an_inline_question_offers_the_passage_and_choosing_it_posts_it_with_bold_key_sentence(
        tg, start_bot, bot_sample_library: Library, question: str, language: str) -> None:
    with start_bot(bot_sample_library):
        results = tg.inline_answer(tg.inline_query(51, question, language_code=language))
        assert 1 <= len(results) <= 5
        first = results[0]
        assert first["title"] == PUTIN_TITLE and "Belousov" in first["description"]
        posted = tg.choose_inline_result(-1005, 51, first)
        tg.wait_consumed()
    assert any("Belousov" in stretch for stretch in bold_texts(posted))
    assert f"— {PUTIN_TITLE} · Tribunnews.com" in posted["text"]
    assert tg.texts(-1005) == [], "a message posted via the bot is not a question to it"


def test_an_inline_question_about_a_month_offers_that_months_story(tg, start_bot, bot_news) -> None:
    with start_bot(bot_news):
        results = tg.inline_answer(tg.inline_query(52, "what happened in May 2024?"))
    assert [r["title"] for r in results] == [SOLAR_2024.title]


def test_a_query_still_being_typed_gets_nothing(tg, start_bot, bot_sample_library: Library) -> None:
    with start_bot(bot_sample_library):
        assert tg.inline_answer(tg.inline_query(53, "siapa yang")) == []


def test_repeating_a_question_or_deleting_back_is_answered_from_the_cache(tg, start_bot,
                                                                          bot_sample_library: Library) -> None:
    with start_bot(bot_sample_library) as running:
        full = tg.inline_answer(tg.inline_query(54, "siapa yang mendampingi Putin ke Pyongyang"))
        asked: list[str] = []
        library_ask = bot_sample_library.ask
        bot_sample_library.ask = lambda question, **options: asked.append(question) or library_ask(question, **options)
        try:
            shorter = tg.inline_answer(tg.inline_query(54, "siapa yang mendampingi Putin"))
        finally:
            del bot_sample_library.ask
        assert running is not None
    assert shorter == full and asked == []


def test_with_allowed_chats_only_users_whose_private_chat_is_served_and_admins_get_results(
        tg, start_bot, bot_sample_library: Library) -> None:
    with start_bot(bot_sample_library, allowed_chat_ids=frozenset({61}), admin_user_ids=frozenset({99})):
        served = tg.inline_answer(tg.inline_query(61, "siapa yang mendampingi Putin?"))
        admin = tg.inline_answer(tg.inline_query(99, "siapa yang mendampingi Putin?"))
        stranger = tg.inline_answer(tg.inline_query(62, "siapa yang mendampingi Putin?"))
    assert served and admin and stranger == []

"""Asking the bot about time, end to end through the real Application and the fake Bot API: dated answers say they
are sorted by date, /latest pages back with its Older button, /timeline runs oldest first."""

from __future__ import annotations

from datetime import datetime


from retrieval.ingest.documents import ArticleDraft
from retrieval.library import Library
from tests.bot_harness import delivered, exchange
from tests.corpus import RICE_TODAY, SOLAR_2023, SOLAR_2024


def test_todays_news_in_indonesian_lists_todays_article_sorted_by_date(tg, start_bot, bot_news) -> None:
    with start_bot(bot_news):
        exchange(tg, 41, lambda: tg.text_message(41, "berita apa saja yang masuk hari ini?", language_code="id"))
    reply = delivered(tg, 41)[-1]["text"]
    assert reply.startswith("Diurutkan menurut tanggal, terbaru dulu.")
    assert RICE_TODAY.title in reply and SOLAR_2024.title not in reply


def test_a_month_question_in_english_gets_that_months_story(tg, start_bot, bot_news) -> None:
    with start_bot(bot_news):
        exchange(tg, 42, lambda: tg.text_message(42, "what happened in May 2024?"))
    reply = delivered(tg, 42)[-1]["text"]
    assert reply.startswith("Sorted by date, newest first.")
    assert SOLAR_2024.title in reply and "2024-05-14" in reply and SOLAR_2023.title not in reply


def test_latest_lists_five_articles_and_older_shows_the_rest(tg, start_bot, bot_library: Library) -> None:
    for day in range(1, 8):
        bot_library.add_article(ArticleDraft(title=f"Berita {day} Juni", text=f"Peristiwa penting tanggal {day} Juni.",
                                             published_at=datetime(2024, 6, day)))
    with start_bot(bot_library):
        exchange(tg, 43, lambda: tg.command(43, "/latest"))
        first = delivered(tg, 43)[-1]
        page = first["text"]
        older = next(b for row in first["reply_markup"]["inline_keyboard"] for b in row if b["text"] == "Older ▶")
        edited = exchange(tg, 43, lambda: tg.callback_query(43, first["message_id"], older["callback_data"]))
    assert [f"Berita {d} Juni" in page for d in (7, 3, 2)] == [True, True, False]
    assert page.index("Berita 7 Juni") < page.index("Berita 3 Juni")
    assert "Berita 2 Juni" in edited[-1]["params"]["text"] and "Berita 1 Juni" in edited[-1]["params"]["text"]
    assert "Berita 7 Juni" not in edited[-1]["params"]["text"]


def test_latest_on_a_topic_and_a_timeline_in_date_order(tg, start_bot, bot_news) -> None:
    with start_bot(bot_news):
        exchange(tg, 44, lambda: tg.command(44, "/latest PLTS terapung Cirata"))
        latest = delivered(tg, 44)[-1]["text"]
        exchange(tg, 44, lambda: tg.command(44, "/timeline kapasitas PLTS terapung Cirata"))
        timeline = delivered(tg, 44)[-1]["text"]
    assert latest.index(SOLAR_2024.title) < latest.index(SOLAR_2023.title) and RICE_TODAY.title not in latest
    assert timeline.index("2023-03-02") < timeline.index("2024-05-14")
    assert "Kompas" in timeline and "Antara" in timeline

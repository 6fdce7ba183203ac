"""Channels the bot administers: posts become articles silently, albums join, edits replace, link posts store the
linked article, and only allowed channels are taken in."""

from __future__ import annotations

import time

from retrieval.library import Library
from tests.bot_harness import delivered, exchange, links, wait_until, web_pages

ADMIN = 601
CHANNEL = -1001234567
OTHER_CHANNEL = -1007654321
FLOOD = ("Banjir setinggi 50 cm merendam 300 rumah di Kecamatan Dayeuhkolot, Bandung, pada Senin sore. "
         "BPBD mengerahkan perahu karet untuk mengevakuasi warga.")
FLOOD_EDITED = ("Banjir setinggi 120 cm merendam 900 rumah di Kecamatan Dayeuhkolot, Bandung, pada Senin sore. "
                "BPBD mengerahkan perahu karet dan helikopter untuk mengevakuasi warga.")
QUESTION = "berapa rumah terendam banjir di Dayeuhkolot?"
PAGE = (b"<html><head><title>Gempa Cianjur</title></head><body><article><h1>Gempa magnitudo 5,6 guncang Cianjur</h1>"
        b"<p>Gempa bermagnitudo 5,6 mengguncang Kabupaten Cianjur, Jawa Barat, pada Senin siang. Ratusan rumah rusak "
        b"dan warga mengungsi ke lapangan terbuka. BMKG mencatat pusat gempa berada di darat pada kedalaman 10 km."
        b"</p></article></body></html>")


def stored_texts(library: Library) -> list[str]:
    """The texts of the stored articles, oldest first."""
    return [library.get(info.id).text for info in reversed(library.list(limit=50))]


def test_a_channel_post_is_stored_silently_and_answered_with_its_post_link(tg, start_bot, bot_library) -> None:
    with start_bot(bot_library, admin_user_ids=frozenset({ADMIN})):
        tg.channel_post(CHANNEL, "Selamat pagi, pembaca!", username="kanalberita", message_id=40)
        tg.channel_post(CHANNEL, FLOOD, channel_title="Kanal Berita", username="kanalberita", message_id=41)
        wait_until(lambda: bot_library.stats().articles == 1)
        exchange(tg, ADMIN, lambda: tg.text_message(ADMIN, QUESTION))
        answer = delivered(tg, ADMIN)[-1]
        listing = exchange(tg, ADMIN, lambda: tg.command(ADMIN, "/channels"))[0]["params"]["text"]
        refused = exchange(tg, 77, lambda: tg.command(77, "/channels"))[0]["params"]["text"]
    assert "300 rumah" in answer["text"] and "Kanal Berita (@kanalberita)" in answer["text"]
    assert "https://t.me/kanalberita/41" in links(answer)
    assert "Kanal Berita (@kanalberita): 1 post, last" in listing
    assert refused == "Sorry, only the bot's admins can do that."
    assert tg.texts(CHANNEL) == []


def test_an_album_is_one_article_and_an_edited_post_replaces_it(tg, start_bot, bot_library) -> None:
    with start_bot(bot_library, admin_user_ids=frozenset({ADMIN})):
        tg.channel_post(CHANNEL, FLOOD, username="kanal", message_id=50, photo=True, media_group_id="a1")
        tg.channel_post(CHANNEL, "", username="kanal", message_id=51, photo=True, media_group_id="a1")
        tg.channel_post(CHANNEL, "Foto: warga dievakuasi dengan perahu karet dari rumah mereka yang terendam.",
                        username="kanal", message_id=52, photo=True, media_group_id="a1")
        wait_until(lambda: bot_library.stats().articles == 1)
        time.sleep(1)
        album = stored_texts(bot_library)
        tg.channel_post(CHANNEL, FLOOD_EDITED, username="kanal", message_id=50, photo=True, media_group_id="a1",
                        edited=True)
        wait_until(lambda: "900 rumah" in stored_texts(bot_library)[0])
        exchange(tg, ADMIN, lambda: tg.text_message(ADMIN, QUESTION))
        answer = delivered(tg, ADMIN)[-1]["text"]
    assert len(album) == 1 and "300 rumah" in album[0] and "warga dievakuasi" in album[0]
    assert bot_library.stats().articles == 1 and bot_library.list()[0].url == "https://t.me/kanal/50"
    assert "900 rumah" in answer and "300 rumah" not in answer
    assert tg.texts(CHANNEL) == []


def test_a_post_that_is_a_link_stores_the_linked_article_cited_with_both_links(tg, start_bot, bot_library) -> None:
    with web_pages({"/gempa": ("text/html", PAGE)}) as site, start_bot(bot_library):
        tg.channel_post(CHANNEL, f"Selengkapnya: {site}/gempa", channel_title="Kanal Berita", username="kanal",
                        message_id=60)
        wait_until(lambda: bot_library.stats().articles == 1)
    stored = bot_library.list()[0]
    assert stored.url == f"{site}/gempa" and stored.title.startswith("Gempa")
    assert stored.source.endswith("via Kanal Berita (@kanal) https://t.me/kanal/60")


def test_only_allowed_channels_are_taken_in(tg, start_bot, bot_library) -> None:
    with start_bot(bot_library, allowed_chat_ids=frozenset({CHANNEL})):
        tg.channel_post(OTHER_CHANNEL, FLOOD_EDITED, username="lain", message_id=70)
        tg.channel_post(CHANNEL, FLOOD, username="kanal", message_id=71)
        wait_until(lambda: bot_library.stats().articles == 1)
        tg.wait_consumed()
        time.sleep(0.5)
    assert [info.url for info in bot_library.list()] == ["https://t.me/kanal/71"]

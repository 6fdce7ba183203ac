"""Adding articles through the bot: forwarded posts, links, documents, duplicates and who may add."""

from __future__ import annotations

import threading
import time

from retrieval.library import Library
from tests.bot_harness import delivered, exchange, links, web_pages
from tests.corpus import EARTHQUAKE_PAGE as PAGE
from bench.web import page

ADMIN = 501
POST = ("Banjir rob merendam kawasan Muara Angke di Jakarta Utara pada Selasa pagi. "
        "Ketinggian air mencapai 60 sentimeter dan ratusan warga mengungsi ke masjid terdekat. "
        "BPBD DKI Jakarta mengerahkan pompa air untuk menyedot genangan.")


def forward(tg, chat_id: int, text: str, message_id: int, **kwargs) -> int:
    """Forward a post of the @beritaku channel."""
    return tg.forwarded_channel_post(chat_id, text, channel_title="Berita Kita", channel_username="beritaku",
                                     channel_message_id=message_id, date=1718755200, **kwargs)


def test_forwarded_channel_post_is_stored_and_cited_with_its_t_me_link(tg, start_bot, bot_library: Library) -> None:
    with start_bot(bot_library):
        confirm = exchange(tg, 41, lambda: forward(tg, 41, POST, 77))
        exchange(tg, 41, lambda: tg.text_message(41, "berapa tinggi banjir rob di Muara Angke?", language_code="id"))
    assert confirm[0]["params"]["text"].startswith("Saved “Banjir rob merendam kawasan Muara Angke")
    assert "article #1" in confirm[0]["params"]["text"]
    info = bot_library.get(1)
    assert (info.source, info.url, info.published_at.date().isoformat()) == (
        "Berita Kita (@beritaku)", "https://t.me/beritaku/77", "2024-06-19")
    answer = delivered(tg, 41)[-1]
    assert "60 sentimeter" in answer["text"] and links(answer) == ["https://t.me/beritaku/77"]


def test_parts_of_one_long_post_forwarded_together_become_one_article(tg, start_bot, bot_library: Library) -> None:
    parts = ["Bagian pertama: Pemerintah mengumumkan kenaikan harga BBM subsidi mulai pekan depan.",
             "Bagian kedua: Pertalite naik menjadi Rp 12.000 per liter menurut menteri ESDM.",
             "Bagian ketiga: Solar subsidi juga naik, sementara bantuan langsung tunai disiapkan."]
    with start_bot(bot_library, join=2.0):
        sent = exchange(tg, 42, lambda: [forward(tg, 42, part, 90 + n) for n, part in enumerate(parts)])
        time.sleep(2.2)
    assert len([c for c in tg.sent(42) if c["method"] == "sendMessage"]) == 1
    assert "article #1" in sent[0]["params"]["text"]
    assert bot_library.stats().articles == 1
    assert bot_library.get(1).text == "\n\n".join(parts)


def test_hidden_user_forward_is_stored_as_just_forwarded(tg, start_bot, bot_library: Library) -> None:
    origin = {"type": "hidden_user", "sender_user_name": "Anonim", "date": 1718755200}
    with start_bot(bot_library):
        exchange(tg, 43, lambda: tg.text_message(43, POST, forward_origin=origin))
    info = bot_library.get(1)
    assert (info.source, info.url) == ("forwarded", None)


def test_photo_post_is_stored_by_its_caption(tg, start_bot, bot_library: Library) -> None:
    channel = {"id": -1001234567890, "type": "channel", "title": "Foto Berita"}
    origin = {"type": "channel", "chat": channel, "message_id": 5, "date": 1718755200}
    with start_bot(bot_library):
        exchange(tg, 44, lambda: tg.text_message(44, "", caption=POST, photo=True, forward_origin=origin))
    assert bot_library.get(1).url == "https://t.me/c/1234567890/5"


def test_a_link_is_fetched_stored_and_answerable(tg, start_bot, bot_library: Library) -> None:
    with web_pages({"/gempa": ("text/html; charset=utf-8", PAGE)}) as site, start_bot(bot_library):
        confirm = exchange(tg, 45, lambda: tg.text_message(45, f"{site}/gempa"))
        exchange(tg, 45, lambda: tg.text_message(45, "berapa kedalaman gempa Cianjur?", language_code="id"))
    assert confirm[0]["params"]["text"].startswith("Saved “")
    answer = delivered(tg, 45)[-1]
    assert "10 kilometer" in answer["text"] and links(answer) == [f"{site}/gempa"]


def test_a_forwarded_post_that_is_mostly_a_link_stores_the_linked_article(tg, start_bot, bot_library: Library) -> None:
    with web_pages({"/gempa": ("text/html", PAGE)}) as site, start_bot(bot_library):
        exchange(tg, 46, lambda: forward(tg, 46, f"Baca selengkapnya: {site}/gempa", 12))
    assert bot_library.get(1).url == f"{site}/gempa" and "Cianjur" in bot_library.get(1).text


def test_a_forwarded_teaser_asking_a_question_still_stores_the_linked_article(tg, start_bot,
                                                                              bot_library: Library) -> None:
    """Only a message typed to the bot is a question when it asks; a channel's teaser stands for its link."""
    with web_pages({"/gempa": ("text/html", PAGE)}) as site, start_bot(bot_library):
        exchange(tg, 54, lambda: forward(tg, 54, f"Apa yang terjadi di Cianjur? Baca: {site}/gempa", 13))
    assert bot_library.get(1).url == f"{site}/gempa" and "kedalaman 10 kilometer" in bot_library.get(1).text


def test_a_failing_link_gets_a_plain_translated_reason(tg, start_bot, bot_library: Library) -> None:
    with web_pages({}) as site, start_bot(bot_library):
        english = exchange(tg, 47, lambda: tg.command(47, f"/add {site}/missing"))
        indonesian = exchange(tg, 48, lambda: tg.command(48, f"/add {site}/missing", language_code="id"))
    assert english[0]["params"]["text"].startswith("I could not store this: ")
    assert indonesian[0]["params"]["text"].startswith("Tidak bisa disimpan: situs itu menjawab dengan status HTTP 404")
    assert all("404" in reply[0]["params"]["text"] for reply in (english, indonesian))


def test_an_uploaded_document_is_stored_and_the_same_text_again_is_a_duplicate(tg, start_bot, bot_library: Library) -> None:
    data = ("# Vaksin polio\n\nKementerian Kesehatan memulai imunisasi polio massal di Aceh untuk 1,2 juta anak. "
            "Sub Pekan Imunisasi Nasional berlangsung dua putaran.").encode()
    with start_bot(bot_library):
        first = exchange(tg, 49, lambda: tg.document_message(49, "polio.md", data, "text/markdown"))
        again = exchange(tg, 49, lambda: tg.document_message(49, "polio-copy.md", data, "text/markdown"))
    assert first[0]["params"]["text"].startswith("Saved “Vaksin polio”")
    assert again[0]["params"]["text"] == "I already have this article: “Vaksin polio” (#1)."
    assert bot_library.stats().articles == 1


def test_an_upload_over_the_size_limit_is_refused_before_download(tg, start_bot, bot_library: Library) -> None:
    with start_bot(bot_library, max_upload_bytes=100):
        sent = exchange(tg, 50, lambda: tg.document_message(50, "big.txt", b"x " * 200, "text/plain"))
    assert sent[0]["params"]["text"].startswith("Sorry, that file is too large")
    assert tg.calls("getFile") == []


def test_non_admins_cannot_add_articles_by_any_path_when_ingestion_is_admin_only(tg, start_bot, bot_library: Library) -> None:
    refusal = "Sorry, only the bot's admins can add articles here."
    with web_pages({"/gempa": ("text/html", PAGE)}) as site, start_bot(
            bot_library, ingest_admins_only=True, admin_user_ids=frozenset({ADMIN})):
        replies = [exchange(tg, 51, send)[0]["params"]["text"] for send in (
            lambda: forward(tg, 51, POST, 3),
            lambda: tg.text_message(51, f"{site}/gempa"),
            lambda: tg.command(51, f"/add {site}/gempa"),
            lambda: tg.document_message(51, "a.txt", POST.encode(), "text/plain"),
        )]
        assert bot_library.stats().articles == 0
        admin = exchange(tg, ADMIN, lambda: forward(tg, ADMIN, POST, 3))
    assert replies == [refusal] * 4
    assert admin[0]["params"]["text"].startswith("Saved")


def test_a_file_sent_while_the_chats_link_is_still_downloading_is_asked_to_wait(tg, start_bot, site,
                                                                                 bot_library: Library) -> None:
    """One chat sends a link to a slow site, then a document: the document gets a polite "still working" at
    once, while another chat's document is stored; the link is stored once the site answers."""
    release = threading.Event()

    def slow_page(handler) -> None:
        """Answer only once the test says so."""
        release.wait(30)
        page("text/html", PAGE)(handler)

    site.routes["/lambat"] = slow_page
    with start_bot(bot_library):
        tg.text_message(52, site.url("/lambat"))
        deadline = time.monotonic() + 30
        while not site.requests and time.monotonic() < deadline:
            time.sleep(0.05)
        busy = exchange(tg, 52, lambda: tg.document_message(52, "a.txt", POST.encode(), "text/plain"))
        other = exchange(tg, 53, lambda: tg.document_message(53, "a.txt", POST.encode(), "text/plain"))
        release.set()
        stored = tg.wait_for_messages(52, 2, timeout=60)[-1]
    assert "still working on your previous" in busy[0]["params"]["text"]
    assert other[0]["params"]["text"].startswith("Saved “")
    assert stored["params"]["text"].startswith("Saved “Gempa")

"""Asking the bot: cited passages, bold key sentences, splitting, buttons, follow-ups and resilience."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from retrieval.ingest.documents import ArticleDraft
from retrieval.library import Library
from tests.bot_harness import bold_texts, delivered, exchange, links

DELEGATION = "Menteri Pertahanan Andrei Belousov"


def test_indonesian_question_gets_the_delegation_passage_with_its_citation(tg, start_bot, bot_sample_library) -> None:
    with start_bot(bot_sample_library):
        sent = exchange(tg, 21, lambda: tg.text_message(21, "siapa yang mendampingi Putin?", language_code="id"))
    reply = sent[0]["params"]
    assert reply["parse_mode"] == "HTML"
    assert "Belousov" in reply["text"] and "Lavrov" in reply["text"] and "Novak" in reply["text"]
    message = delivered(tg, 21)[-1]
    assert "[1] " in message["text"]
    assert "Putin tiba di Korea Utara untuk bertemu Kim Jong Un · Tribunnews.com" in message["text"]
    methods = [c["method"].lower() for c in tg.sent(21)]
    assert methods.index("sendchataction") < methods.index("sendmessage"), "typing… is shown before the answer"
    assert tg.calls("sendChatAction")[0]["params"]["action"] == "typing"


def test_english_question_gets_the_same_passage_and_the_key_sentence_is_bold(tg, start_bot, bot_sample_library) -> None:
    with start_bot(bot_sample_library):
        exchange(tg, 22, lambda: tg.text_message(22, "Who was in the Russian delegation accompanying Putin?"))
    message = delivered(tg, 22)[-1]
    bold = bold_texts(message)
    assert any(DELEGATION in stretch and "Alexander Novak" in stretch for stretch in bold), bold
    assert "Putin tiba di Korea Utara untuk bertemu Kim Jong Un · Tribunnews.com" in message["text"]


def test_short_english_question_who_accompanied_putin_gets_the_delegation(tg, start_bot, bot_sample_library) -> None:
    with start_bot(bot_sample_library):
        exchange(tg, 31, lambda: tg.text_message(31, "Who accompanied Putin?"))
    assert "Belousov" in delivered(tg, 31)[-1]["text"]


def test_question_outside_the_library_says_it_found_nothing_then_offers_the_nearest(tg, start_bot, bot_sample_library) -> None:
    with start_bot(bot_sample_library):
        english = exchange(tg, 23, lambda: tg.text_message(23, "What is the recipe for rendang?"))
        indonesian = exchange(tg, 24, lambda: tg.text_message(24, "Bagaimana resep rendang?", language_code="id"))
    assert english[0]["params"]["text"].startswith(
        "<b>I found nothing about this in the stored articles.</b>\nThe nearest passage")
    assert indonesian[0]["params"]["text"].startswith(
        "<b>Saya tidak menemukan apa pun tentang hal ini di artikel yang tersimpan.</b>")
    assert "[1]" in delivered(tg, 23)[-1]["text"]


def test_article_text_is_escaped_in_html_replies(tg, start_bot, bot_library: Library) -> None:
    bot_library.add_article(ArticleDraft(
        text="The tag <script>alert(1)</script> & the <b>fake bold</b> were found in the Jakarta flood report. "
             "Officials said the flood in Jakarta reached two metres.", title="Flood <report> & more",
        url="https://example.com/a?x=1&y=\"2\"", source="Example & Co"), "x")
    with start_bot(bot_library):
        exchange(tg, 25, lambda: tg.text_message(25, "How deep was the Jakarta flood?"))
    message = delivered(tg, 25)[-1]
    assert "<script>alert(1)</script>" in message["text"] and "<b>fake bold</b>" in message["text"]
    assert "Flood <report> & more · Example & Co" in message["text"]
    assert links(message) == ['https://example.com/a?x=1&y="2"']


def test_a_reply_longer_than_4096_characters_arrives_whole_in_parts(tg, start_bot, bot_library: Library) -> None:
    sentence = "Banjir besar melanda kota {n} setelah hujan deras selama {i} hari berturut-turut di wilayah itu. "
    drafts = [(f"a{n}", ArticleDraft(text="".join(sentence.format(n=n, i=i) for i in range(12)),
                                     title=f"Banjir di kota {n}", source="Lokal")) for n in range(6)]
    bot_library.settings.chunk_words = 200
    list(bot_library.add_articles(drafts))
    with start_bot(bot_library, top_k=6):
        sent = exchange(tg, 26, lambda: tg.text_message(26, "banjir setelah hujan deras"), parts=2)
        tg.wait_for(lambda c: c["params"].get("chat_id") == 26 and "reply_markup" in c["params"])
    messages = [m["text"] for m in delivered(tg, 26)]
    assert len(messages) >= 2 and all(len(m) <= 4096 for m in messages)
    joined = "\n\n".join(messages)
    assert all(f"[{rank}] " in joined for rank in range(1, 7))
    assert all(not m.lstrip().startswith("—") for m in messages)
    assert sent[0]["params"]["text"].startswith("<b>[1]")


def test_more_passages_and_context_buttons_show_more_of_the_library(tg, start_bot, bot_library: Library) -> None:
    for n in range(6):
        bot_library.add_article(ArticleDraft(text=f"Harga beras naik di pasar {n}. Pedagang di pasar {n} mengeluh. "
                                              f"Pembeli di pasar {n} mengurangi belanja.", title=f"Beras {n}"), f"b{n}")
    with start_bot(bot_library, top_k=2):
        exchange(tg, 27, lambda: tg.text_message(27, "harga beras naik"))
        message = delivered(tg, 27)[-1]
        buttons = [b for row in message["reply_markup"]["inline_keyboard"] for b in row]
        more = next(b for b in buttons if b["text"] == "More passages")
        context = next(b for b in buttons if b["text"] == "Context [1]")
        more_sent = exchange(tg, 27, lambda: tg.callback_query(27, message["message_id"], more["callback_data"]))
        context_sent = exchange(tg, 27, lambda: tg.callback_query(27, message["message_id"], context["callback_data"]))
    assert "[3] " in more_sent[0]["params"]["text"]
    shown = delivered(tg, 27)[-1]
    assert shown["text"].startswith("Context of [1]")
    assert "Harga beras naik" in context_sent[0]["params"]["text"]


def test_more_passages_still_works_after_the_bot_restarts(tg, start_bot, bot_library: Library) -> None:
    for n in range(6):
        bot_library.add_article(ArticleDraft(text=f"Harga beras naik di pasar {n}. Pedagang di pasar {n} mengeluh.",
                                         title=f"Beras {n}"), f"b{n}")
    with start_bot(bot_library, top_k=2):
        exchange(tg, 34, lambda: tg.text_message(34, "harga beras naik"))
    message = delivered(tg, 34)[-1]
    more = next(b for row in message["reply_markup"]["inline_keyboard"] for b in row if b["text"] == "More passages")
    bot_library.close()
    reopened = Library(bot_library.settings, bot_library.embedder)
    try:
        with start_bot(reopened, top_k=2):
            sent = exchange(tg, 34, lambda: tg.callback_query(34, message["message_id"], more["callback_data"]))
    finally:
        reopened.close()
    assert sent[0]["params"]["text"].startswith("<b>[3] </b>") and "Beras" in sent[0]["params"]["text"]


def test_more_passages_of_an_answer_the_chat_forgot_with_reset_says_the_button_expired(tg, start_bot,
                                                                                       bot_library: Library) -> None:
    for n in range(6):
        bot_library.add_article(ArticleDraft(text=f"Harga beras naik di pasar {n}. Pedagang di pasar {n} mengeluh.",
                                         title=f"Beras {n}"), f"b{n}")
    with start_bot(bot_library, top_k=2):
        exchange(tg, 35, lambda: tg.text_message(35, "harga beras naik"))
        message = delivered(tg, 35)[-1]
        more = next(b for row in message["reply_markup"]["inline_keyboard"] for b in row if b["text"] == "More passages")
        exchange(tg, 35, lambda: tg.command(35, "/reset"))
        tg.callback_query(35, message["message_id"], more["callback_data"])
        answered = tg.wait_for(lambda c: c["method"] == "answerCallbackQuery")
    assert answered[0]["params"]["text"] == "This button has expired. Please ask again."
    assert answered[0]["params"]["show_alert"] is True


def test_follow_up_questions_use_history_that_survives_a_restart(tg, start_bot, bot_sample_library) -> None:
    with start_bot(bot_sample_library):
        exchange(tg, 28, lambda: tg.text_message(28, "siapa yang mendampingi Putin?", language_code="id"))
    bot_sample_library.close()
    reopened = Library(bot_sample_library.settings, bot_sample_library.embedder)
    try:
        assert [t.question for t in reopened.history("tg:28")] == ["siapa yang mendampingi Putin?"]
        with start_bot(reopened):
            exchange(tg, 28, lambda: tg.text_message(28, "di mana mereka bertemu?", language_code="id"))
            history = reopened.history("tg:28")
            exchange(tg, 28, lambda: tg.command(28, "/reset", language_code="id"))
        assert [t.question for t in history] == ["siapa yang mendampingi Putin?", "di mana mereka bertemu?"]
        assert history[1].article_ids == (1,)
        assert reopened.history("tg:28") == []
    finally:
        reopened.close()


def test_a_429_flood_wait_or_a_502_loses_no_reply(tg, start_bot, bot_sample_library) -> None:
    with start_bot(bot_sample_library):
        tg.fail_next("sendMessage", 1, status=429, retry_after=1)
        exchange(tg, 29, lambda: tg.text_message(29, "siapa yang mendampingi Putin?"))
        tg.fail_next("sendMessage", 2, status=502)
        exchange(tg, 30, lambda: tg.text_message(30, "siapa yang mendampingi Putin?"))
    assert [c["status"] for c in tg.failed("sendMessage")] == [429, 502, 502]
    assert "Belousov" in delivered(tg, 29)[-1]["text"] and "Belousov" in delivered(tg, 30)[-1]["text"]


def test_fifty_chats_asking_at_once_each_get_their_own_answer(tg, start_bot, bot_sample_library) -> None:
    bot_sample_library.add_article(ArticleDraft(
        text="Timnas Indonesia menang 2-0 atas Vietnam di Stadion Gelora Bung Karno. Gol dicetak oleh Rafael Struick.",
        title="Timnas menang"), "bola")
    questions = {chat: ("siapa yang mendampingi Putin?" if chat % 2 else "siapa pencetak gol timnas?")
                 for chat in range(1000, 1050)}
    with start_bot(bot_sample_library):
        for chat, question in questions.items():
            tg.text_message(chat, question, language_code="id")
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda chat: tg.wait_for_messages(chat, 1, timeout=150), questions))
    for chat in questions:
        reply = delivered(tg, chat)[-1]["text"]
        assert ("Belousov" in reply) if chat % 2 else ("Rafael Struick" in reply), (chat, reply[:200])

"""Who may do what: groups, allowed chats, admin-only deletes, forged buttons, errors and the token in logs."""

from __future__ import annotations

import logging
import time

from bot.access import CallbackSigner
from retrieval.library import Library
from tests.fake_telegram import BOT_USERNAME
from tests.bot_harness import buttons, delivered, exchange, web_pages

ADMIN = 601
GROUP = -100555
CHANNEL = -100777000
MENTION = [{"type": "mention", "offset": 0, "length": len(BOT_USERNAME) + 1}]
REFUSAL = "Sorry, this bot is private and does not serve this chat."
PAGE = (b"<html><head><title>Gempa Cianjur</title></head><body><article><h1>Gempa magnitudo 5,6 guncang Cianjur</h1>"
        b"<p>Gempa bermagnitudo 5,6 mengguncang Kabupaten Cianjur, Jawa Barat, pada Senin siang.</p>"
        b"<p>Pusat gempa berada di darat pada kedalaman 10 kilometer menurut BMKG.</p></article></body></html>")


def test_in_groups_the_bot_ignores_chatter_and_answers_only_when_addressed(tg, start_bot, bot_sample_library) -> None:
    with start_bot(bot_sample_library):
        tg.group_message(GROUP, "siapa yang mendampingi Putin?", mention=False)
        tg.forwarded_channel_post(GROUP, "Kabar dari kanal lain tentang harga cabai yang naik.", channel_title="X",
                                  channel_username="x", channel_message_id=1, date=1718755200)
        tg.wait_consumed()
        time.sleep(0.5)
        assert tg.texts(GROUP) == []
        mentioned = exchange(tg, GROUP, lambda: tg.group_message(GROUP, "siapa yang mendampingi Putin?"))
        replied = exchange(tg, GROUP, lambda: tg.text_message(GROUP, "Who was in the Russian delegation?",
                                                             chat_type="group", user_id=7, reply_to_bot=True))
        command = exchange(tg, GROUP, lambda: tg.group_command(GROUP, "/ask siapa yang mendampingi Putin?"))
    assert all("Belousov" in sent[0]["params"]["text"] for sent in (mentioned, replied, command))
    assert bot_sample_library.stats().articles == 1
    assert [t.question for t in bot_sample_library.history(f"tg:{GROUP}")][0] == "siapa yang mendampingi Putin?"


def test_only_allowed_chats_are_served_and_others_get_a_polite_refusal(tg, start_bot, bot_sample_library) -> None:
    with start_bot(bot_sample_library, allowed_chat_ids=frozenset({61})):
        refused = exchange(tg, 62, lambda: tg.text_message(62, "siapa yang mendampingi Putin?"))
        commands = [exchange(tg, 62, lambda command=command: tg.command(62, command))
                    for command in ("/ask siapa yang mendampingi Putin?", "/sources", "/stats", "/article 1")]
        served = exchange(tg, 61, lambda: tg.text_message(61, "siapa yang mendampingi Putin?"))
    refusal = "Sorry, this bot is private and does not serve this chat."
    assert refused[0]["params"]["text"] == refusal
    assert [[m["params"]["text"] for m in sent] for sent in commands] == [[refusal]] * 4
    assert "Belousov" in served[0]["params"]["text"]


def test_delete_is_admin_only_by_command_and_by_button(tg, start_bot, bot_sample_library) -> None:
    with start_bot(bot_sample_library, admin_user_ids=frozenset({ADMIN})):
        refused = exchange(tg, 63, lambda: tg.command(63, "/delete 1"))
        exchange(tg, ADMIN, lambda: tg.command(ADMIN, "/delete 1"))
        confirm = delivered(tg, ADMIN)[-1]
        data = buttons(confirm)[0]["callback_data"]
        tg.callback_query(ADMIN, confirm["message_id"], data, user_id=63)
        time.sleep(1.0)
        assert bot_sample_library.get(1) is not None
        exchange(tg, ADMIN, lambda: tg.callback_query(ADMIN, confirm["message_id"], data))
    assert refused[0]["params"]["text"] == "Sorry, only the bot's admins can do that."
    assert delivered(tg, ADMIN)[-1]["text"] == "Deleted article #1."
    assert bot_sample_library.get(1) is None


def test_forged_or_replayed_callbacks_can_neither_delete_nor_reveal(tg, start_bot, bot_sample_library) -> None:
    wrong_key = CallbackSigner("123:not-the-real-token").sign(ADMIN, "del:1")
    with start_bot(bot_sample_library, admin_user_ids=frozenset({ADMIN})) as running:
        other_chat = running.app.bot_data["services"].signer.sign(64, "ctx:1:0:500:1")
        for data in ("del:1", "del:1|AAAAAAAAAAAAAAAA", wrong_key, other_chat, "ctx:1:0:500:1"):
            tg.callback_query(ADMIN, 9, data)
        tg.wait_consumed()
        time.sleep(1.0)
    assert bot_sample_library.get(1) is not None
    assert tg.texts(ADMIN) == []
    assert len(tg.calls("answerCallbackQuery")) == 5
    assert {c["params"]["text"] for c in tg.calls("answerCallbackQuery")} == {"This button is not valid."}


def test_sources_article_and_stats_commands(tg, start_bot, bot_sample_library) -> None:
    with start_bot(bot_sample_library):
        listed = exchange(tg, 65, lambda: tg.command(65, "/sources"))
        shown = exchange(tg, 65, lambda: tg.command(65, "/article 1", language_code="id"))
        counted = exchange(tg, 65, lambda: tg.command(65, "/stats"))
        missing = exchange(tg, 65, lambda: tg.command(65, "/article 99"))
    passages = bot_sample_library.stats().chunks
    assert "#1 Putin tiba di Korea Utara untuk bertemu Kim Jong Un" in listed[0]["params"]["text"]
    assert "Tribunnews.com" in shown[0]["params"]["text"] and f"{passages} bagian" in shown[0]["params"]["text"]
    assert counted[0]["params"]["text"].startswith(f"Articles: 1\nPassages: {passages}")
    assert missing[0]["params"]["text"] == "There is no article #99."


def test_sources_pages_with_signed_buttons(tg, start_bot, bot_library: Library) -> None:
    from retrieval.ingest.documents import ArticleDraft

    list(bot_library.add_articles([(f"n{n}", ArticleDraft(text=f"Berita nomor {n} tentang pasar.", title=f"Berita {n}"))
                               for n in range(7)]))
    with start_bot(bot_library):
        exchange(tg, 66, lambda: tg.command(66, "/sources"))
        page = delivered(tg, 66)[-1]
        older = next(b for b in buttons(page) if b["text"] == "Older ▶")
        exchange(tg, 66, lambda: tg.callback_query(66, page["message_id"], older["callback_data"]))
    edited = delivered(tg, 66)[-1]
    assert "Stored articles (6–7)" in edited["text"] and [b["text"] for b in buttons(edited)] == ["◀ Newer"]


def test_lang_switches_the_chat_language_and_it_is_remembered(tg, start_bot, bot_sample_library) -> None:
    with start_bot(bot_sample_library):
        switched = exchange(tg, 67, lambda: tg.command(67, "/lang id"))
        helped = exchange(tg, 67, lambda: tg.command(67, "/help"))
    assert switched[0]["params"]["text"] == ("Saya akan menjawab dalam bahasa Indonesia di obrolan ini. "
                                             "(English: /lang en)")
    assert helped[0]["params"]["text"].startswith("Cara memakai:")
    assert bot_sample_library.repo.get_setting("tg:67", "lang") == "id"


def test_an_unexpected_error_gets_an_apology_a_log_line_and_the_bot_keeps_running(
        tg, start_bot, bot_sample_library, caplog, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    caplog.set_level(logging.INFO)
    with start_bot(bot_sample_library) as running:
        monkeypatch.setattr(bot_sample_library, "stats", broken)
        update_id = []
        apology = exchange(tg, 68, lambda: update_id.append(tg.command(68, "/stats")))
        after = exchange(tg, 68, lambda: tg.text_message(68, "siapa yang mendampingi Putin?"))
        assert len(running.errors) == 1
    assert apology[0]["params"]["text"] == "Sorry, something went wrong on my side. Please try again in a moment."
    assert "Belousov" in after[0]["params"]["text"]
    assert f"update {update_id[0]} failed: RuntimeError" in caplog.text
    assert tg.token not in caplog.text and tg.token.split(":")[1] not in caplog.text


def test_mentions_of_other_bots_in_groups_are_ignored(tg, start_bot, bot_sample_library) -> None:
    with start_bot(bot_sample_library):
        tg.text_message(GROUP, "@other_bot siapa yang mendampingi Putin?", chat_type="group",
                        entities=[{"type": "mention", "offset": 0, "length": 10}])
        exchange(tg, GROUP, lambda: tg.group_message(GROUP, "halo"))
    assert len(tg.texts(GROUP)) == 1 and BOT_USERNAME not in tg.texts(GROUP)[0]


def test_channel_posts_and_messages_without_a_sender_are_served_without_an_error(tg, start_bot, bot_sample_library,
                                                                                caplog) -> None:
    """A channel post (no `from`) is left alone; an anonymous group admin (no `from` either) can ask, add a link or
    a document and is refused /delete like any non-admin: no apology, no crash in the log."""
    polio = b"# Vaksin polio\n\nKementerian Kesehatan memulai imunisasi polio massal di Aceh untuk 1,2 juta anak."
    caplog.set_level(logging.INFO)
    with web_pages({"/gempa": ("text/html", PAGE)}) as site, start_bot(
            bot_sample_library, admin_user_ids=frozenset({ADMIN})) as running:
        tg.channel_post(CHANNEL, f"@{BOT_USERNAME} siapa yang mendampingi Putin?", entities=MENTION)
        asked = exchange(tg, GROUP, lambda: tg.group_message(GROUP, "siapa yang mendampingi Putin?", anonymous=True))
        linked = exchange(tg, GROUP, lambda: tg.group_message(GROUP, f"{site}/gempa", anonymous=True))
        uploaded = exchange(tg, GROUP, lambda: tg.document_message(
            GROUP, "polio.md", polio, "text/markdown", caption=f"@{BOT_USERNAME}", entities=MENTION, chat_type="group",
            anonymous=True))
        deleting = exchange(tg, GROUP, lambda: tg.group_command(GROUP, "/delete 1", anonymous=True))
        tg.wait_consumed()
        time.sleep(0.5)
        errors = list(running.errors)
    assert errors == [] and not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert tg.texts(CHANNEL) == []
    assert "Belousov" in asked[0]["params"]["text"]
    assert linked[0]["params"]["text"].startswith("Saved “Gempa")
    assert uploaded[0]["params"]["text"].startswith("Saved “Vaksin polio”")
    assert deleting[0]["params"]["text"] == "Sorry, only the bot's admins can do that."
    assert bot_sample_library.stats().articles == 3 and bot_sample_library.get(1) is not None


def test_where_the_bot_does_not_serve_it_refuses_only_what_was_meant_for_it(tg, start_bot, bot_sample_library,
                                                                            caplog) -> None:
    """In a chat it does not serve, chatter and channel posts get no reply, a mention (with or without a sender)
    gets the polite refusal, a button press gets it as an alert, and an admin is served as everywhere."""
    caplog.set_level(logging.INFO)
    with start_bot(bot_sample_library, allowed_chat_ids=frozenset({61}), admin_user_ids=frozenset({ADMIN})) as running:
        tg.group_message(GROUP, "siapa yang mendampingi Putin?", mention=False)
        tg.channel_post(CHANNEL, f"@{BOT_USERNAME} siapa yang mendampingi Putin?", entities=MENTION)
        mentioned = exchange(tg, GROUP, lambda: tg.group_message(GROUP, "siapa yang mendampingi Putin?"))
        anonymous = exchange(tg, GROUP, lambda: tg.group_message(GROUP, "siapa yang mendampingi Putin?",
                                                                 anonymous=True))
        signed = running.app.bot_data["services"].signer.sign(GROUP, "src:5")
        tg.callback_query(GROUP, 9, signed, chat_type="group")
        alert = tg.wait_for(lambda c: c["method"] == "answerCallbackQuery")[0]["params"]
        admin = exchange(tg, GROUP, lambda: tg.group_message(GROUP, "siapa yang mendampingi Putin?", user_id=ADMIN))
        errors = list(running.errors)
    assert [sent[0]["params"]["text"] for sent in (mentioned, anonymous)] == [REFUSAL, REFUSAL]
    assert (alert["text"], alert["show_alert"]) == (REFUSAL, True)
    assert "Belousov" in admin[0]["params"]["text"] and len(tg.texts(GROUP)) == 3
    assert tg.texts(CHANNEL) == [] and errors == []
    assert f"refused chat {GROUP} for user 424242" in caplog.text
    assert f"refused chat {GROUP} for user None" in caplog.text

"""Fast checks of the bot's pure parts: HTML rendering and splitting, signed buttons, intents, forwards, messages."""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import datetime, timezone
from urllib.parse import quote

from hypothesis import given
from hypothesis import strategies as st
from telegram.error import NetworkError

from bot.access import Access, CallbackSigner
from bot.conversation import PassageContext, parse_article_id, parse_intent, stats_text
from bot.forwards import ForwardPart, draft_from_parts, title_from
from bot.handlers.keyboards import button_language, context_button
from bot.messages import TEXTS, error_reason, language_for, text
from bot.render_html import render_answer, render_context, render_latest, render_sources, split_messages, utf16_len
from bot.retry import RetryingRateLimiter
from bot.redaction import RedactingFormatter
from bot.settings import BotSettings
from bot.startup import failure_line
from retrieval.answer import AnswerPassage, Citation
from retrieval.ingest.documents import UserError
from bot.render_text import render_article_line
from retrieval.library import ArticleInfo, Stats
from tests.fake_telegram import parse_html


def passage(rank: int, body: str, highlight: tuple[int, int] | None = None, url: str | None = None) -> AnswerPassage:
    """A passage of article #rank."""
    citation = Citation(rank, f"Title <{rank}> & co", url, "Source & Sons", datetime(2024, 6, 19, tzinfo=timezone.utc))
    return AnswerPassage(rank, 0.9, body, 0, len(body), citation, (rank,), highlight)


def test_passages_render_escaped_with_bold_key_sentence_and_linked_title() -> None:
    body = "First <sentence>. Key & important sentence. Last."
    start = body.index("Key")
    [html] = render_answer([passage(1, body, (start, start + 25), "https://x.test/?a=1&b=<2>")], True, "en")
    plain, entities = parse_html(html)
    assert plain == "[1] First <sentence>. Key & important sentence. Last.\n— Title <1> & co · Source & Sons · 2024-06-19"
    bold = [plain[e["offset"] : e["offset"] + e["length"]] for e in entities if e["type"] == "bold"]
    assert bold == ["[1] ", "Key & important sentence."]
    assert [e["url"] for e in entities if e["type"] == "text_link"] == ["https://x.test/?a=1&b=<2>"]


def test_a_long_passage_shows_whole_sentences_around_its_bold_key_sentence() -> None:
    sentences = [f"Kalimat nomor {n} tentang banjir di kota." for n in range(30)]
    body = " ".join(sentences)
    start = body.index(sentences[15])
    [html] = render_answer([passage(1, body, (start, start + len(sentences[15])))], True, "id", excerpt_chars=300)
    plain, entities = parse_html(html)
    shown = plain.split("\n— ")[0]
    bold = [plain[e["offset"] : e["offset"] + e["length"]] for e in entities if e["type"] == "bold"]
    assert bold == ["[1] ", sentences[15]]
    assert shown.startswith("[1] … Kalimat nomor") and shown.endswith("kota. …")
    assert len(shown) <= 300 + len("[1] … ") + len(" …")
    assert all(f"nomor {n} " in shown for n in (14, 15, 16)) and "nomor 0 " not in shown


def test_not_found_answers_start_with_the_plain_notice_in_both_languages() -> None:
    english = parse_html(render_answer([passage(1, "Something.")], False, "en")[0])[0]
    indonesian = parse_html(render_answer([passage(1, "Sesuatu.")], False, "id")[0])[0]
    assert english.startswith("I found nothing about this in the stored articles.\nThe nearest passage")
    assert indonesian.startswith("Saya tidak menemukan apa pun tentang hal ini di artikel yang tersimpan.")


def test_long_answers_split_between_passages_and_each_part_is_valid_html() -> None:
    passages = [passage(n, f"Passage {n} " + "kata & <kata> " * 100) for n in range(1, 9)]
    parts = render_answer(passages, True, "en")
    assert len(parts) > 1
    for part in parts:
        plain, _ = parse_html(part)
        assert utf16_len(plain) <= 4096
        assert re.match(r"\[\d\] Passage \d", plain)


@given(st.lists(st.text(min_size=0, max_size=3000), min_size=1, max_size=6), st.booleans())
def test_any_text_splits_into_valid_messages_that_keep_every_character(texts: list[str], bold: bool) -> None:
    blocks = [[(value, "b" if bold else None), (value[::-1], None)] for value in texts]
    parts = split_messages(blocks, limit=1000)
    plains = [parse_html(part)[0] for part in parts]
    assert all(utf16_len(p) <= 1000 for p in plains)
    assert "".join(plains).replace("\n\n", "") == "".join(v + v[::-1] for v in texts).replace("\n\n", "")


def test_signed_button_data_is_bound_to_the_key_and_the_chat() -> None:
    signer = CallbackSigner("123:token")
    data = signer.sign(5, "del:12")
    assert len(data.encode()) <= 64
    assert signer.verify(5, data) == "del:12"
    assert signer.verify(6, data) is None
    assert CallbackSigner("123:other").verify(5, data) is None
    assert signer.verify(5, "del:13" + data[6:]) is None
    assert signer.verify(5, "del:12") is None and signer.verify(5, "") is None


def test_access_rules() -> None:
    open_bot = Access(frozenset({1}), frozenset(), False)
    closed = Access(frozenset({1}), frozenset({-100}), True)
    assert open_bot.serves_chat(42, 42) and open_bot.may_ingest(42) and not open_bot.may_delete(42)
    assert not closed.serves_chat(42, 42) and closed.serves_chat(-100, 42) and closed.serves_chat(42, 1)
    assert not closed.may_ingest(42) and closed.may_ingest(1) and closed.may_delete(1)


def test_intents_commands_links_and_questions() -> None:
    assert parse_intent("/add@tanya_bot https://x.test/a").command == "add"
    assert parse_intent("/RESET").command == "reset"
    assert parse_intent("lihat https://x.test/berita/1 ini") == parse_intent("https://x.test/berita/1").__class__(
        "add", "https://x.test/berita/1")
    assert parse_intent("siapa yang mendampingi Putin?").command == "ask"
    assert parse_article_id("#12") == 12 and parse_article_id("dua belas") is None


def test_forwarded_parts_join_in_their_original_order_and_the_first_line_is_the_title() -> None:
    def part(order: int, body: str) -> ForwardPart:
        return ForwardPart(body, "channel:1", order, "Kanal (@kanal)", f"https://t.me/kanal/{order}", None, None,
                           7, "id")

    draft = draft_from_parts([part(3, "Ketiga."), part(1, "Judul berita\nPertama."), part(2, "Kedua."), part(3, "Ketiga.")])
    assert draft.text == "Judul berita\nPertama.\n\nKedua.\n\nKetiga."
    assert (draft.title, draft.url, draft.source) == ("Judul berita", "https://t.me/kanal/1", "Kanal (@kanal)")
    assert title_from("kata " * 60).endswith("…") and len(title_from("kata " * 60)) <= 121


def test_languages_and_translated_reasons() -> None:
    assert [language_for(c) for c in ("id", "id-ID", "in", "en", "ms", None)] == ["id", "id", "id", "en", "en", "en"]
    assert set(TEXTS["id"]) == set(TEXTS["en"])
    assert error_reason("id", UserError("timeout", "took too long")) == "situs itu terlalu lama menjawab"
    assert error_reason("id", UserError("new_code", "a new reason")) == "a new reason"
    assert error_reason("en", UserError("timeout", "took too long")) == "took too long"


def test_context_shows_whole_sentences_bolds_the_key_sentence_and_cites_the_article_with_its_link() -> None:
    window = "ntah A mengatakan harga naik. Awal cerita. Bagian <inti>. Kalimat kunci & penting. Akhir. Sisa kal"
    start, end = window.index("Bagian"), window.index(" Akhir")
    key = window.index("Kalimat") - start
    cited = Citation(7, "Judul & <b>", "https://x.test/?a=1&b=2", "Kanal", datetime(2024, 6, 19, tzinfo=timezone.utc))
    found = PassageContext(cited, window, start, end, True, True)
    plain, entities = parse_html(render_context("id", 2, found, (key, key + len("Kalimat kunci & penting.")))[0])
    assert plain == ("Konteks [2]\n\n… Awal cerita. Bagian <inti>. Kalimat kunci & penting. Akhir. …"
                     "\n— Judul & <b> · Kanal · 2024-06-19")
    assert [plain[e["offset"] : e["offset"] + e["length"]] for e in entities if e["type"] == "bold"][-1] == (
        "Kalimat kunci & penting.")
    assert [e["url"] for e in entities if e["type"] == "text_link"] == ["https://x.test/?a=1&b=2"]


def test_context_of_a_passage_without_a_key_sentence_bolds_only_its_heading() -> None:
    """A listing's opening passage has no key sentence: its context is plain text under the bold heading, without
    the title line the citation already shows."""
    window = "Judul berita banjir\n\nAwal cerita. Bagian pertama yang panjang. Bagian kedua. Akhir."
    cited = Citation(7, "Judul berita banjir", None, "Kanal", None)
    found = PassageContext(cited, window, 0, window.index(" Akhir"), False, False)
    plain, entities = parse_html(render_context("id", 1, found)[0])
    assert plain.count("Judul berita banjir") == 1 and plain.startswith("Konteks [1]\n\nAwal cerita.")
    assert [plain[e["offset"]: e["offset"] + e["length"]] for e in entities if e["type"] == "bold"] == ["Konteks [1]\n\n"]


def test_log_lines_and_tracebacks_never_show_the_token() -> None:
    token = "123456:AAsecretSecretSecretSecret_xyz"
    formatter = RedactingFormatter(token, "%(message)s")
    try:
        raise RuntimeError(f"POST https://api.telegram.org/bot{token}/getMe failed")
    except RuntimeError as error:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "calling %s", (f"/bot{token}/x",), (
            type(error), error, error.__traceback__))
    line = formatter.format(record)
    assert token not in line and line.count("<token>") == 2


def test_the_token_is_hidden_in_any_letter_case_in_logs_and_in_start_up_errors() -> None:
    """Some errors echo the request path in lower case; the token must not show in any case or encoding."""
    token = "123456:AAsecretSecretSecretSecret_xyz"
    secret = token.split(":")[1].lower()
    echoed = f"POST https://api.telegram.org/bot{token.lower()}/getme failed; {quote(token, safe='').upper()}"
    line = RedactingFormatter(token, "%(message)s").format(
        logging.LogRecord("x", logging.ERROR, __file__, 1, echoed, (), None))
    settings = BotSettings(_env_file=None, telegram_bot_token=token)
    error = failure_line(settings, NetworkError(f"Bad Gateway at /bot{token.lower()}/getupdates"))
    assert secret not in line.lower() and line.count("<token>") == 2
    assert secret not in error.lower() and "/bot<token>/getupdates" in error


def test_typing_actions_are_not_held_back_behind_rate_limited_replies() -> None:
    limiter = RetryingRateLimiter(overall_max_rate=1, overall_time_period=60)
    sent: list[str] = []

    async def call(what: str) -> bool:
        sent.append(what)
        return True

    def request(endpoint: str, what: str):
        return limiter.process_request(call, (what,), {}, endpoint, {"chat_id": 7}, None)

    async def scenario() -> bool:
        await request("sendMessage", "reply")
        await asyncio.wait_for(asyncio.gather(*(request("sendChatAction", "typing") for _ in range(3))), timeout=10)
        held = asyncio.create_task(request("sendMessage", "second reply"))
        await asyncio.sleep(0.3)
        held.cancel()
        return held.done()

    assert asyncio.run(scenario()) is False
    assert sent == ["reply", "typing", "typing", "typing"]


def test_counted_nouns_agree_with_their_number_in_english_and_stay_plain_in_indonesian() -> None:
    assert text("en", "added", title="T", chunks=1, id=4) == "Saved “T”: 1 passage, article #4."
    assert text("en", "added", title="T", chunks=2, id=4) == "Saved “T”: 2 passages, article #4."
    assert text("id", "added", title="T", chunks=1, id=4) == "Tersimpan “T”: 1 bagian, artikel #4."
    assert text("en", "reset", count=1) == "Done: I forgot this conversation (1 turn)."
    assert text("en", "feed_line", id=1, title="F", entries=1, last="never") == "#1 F: 1 article, last success never"


def test_a_context_button_leaves_out_the_key_sentence_rather_than_exceed_telegrams_64_bytes() -> None:
    signer = CallbackSigner("secret")
    huge = AnswerPassage(12, 0.9, "x" * 10, 12345678, 12349999, Citation(1234567890, "T", None, None, None), (1,),
                         (100000, 200000))
    button = context_button(signer, 7, huge, "en")
    assert signer.verify(7, button.callback_data) == "en~ctx:1234567890:12345678:12349999:12"
    small = AnswerPassage(2, 0.9, "x" * 10, 100, 400, Citation(3, "T", None, None, None), (1,), (5, 60))
    assert signer.verify(7, context_button(signer, 7, small, "id").callback_data) == "id~ctx:3:100:400:2:5:60"


def test_a_button_answers_in_the_language_of_its_message_and_one_made_before_the_mark_in_the_chats() -> None:
    assert button_language("id~more:k1:3") == ("id", "more:k1:3")
    assert button_language("ctx:3:100:400:2") == (None, "ctx:3:100:400:2")
    assert button_language("xx~src:5") == (None, "xx~src:5")


def test_an_article_whose_text_opens_with_its_title_shows_the_title_once():
    from bot.render_html import render_article
    from retrieval.library import ArticleInfo

    title = "Gempa magnitudo 5,6 guncang Sukabumi"
    info = ArticleInfo(1, title, "https://t.me/infogempa/71", "infogempa", None, None, datetime.now(timezone.utc), "id",
                       1, f"{title}\n\nGempa bermagnitudo 5,6 mengguncang Kabupaten Sukabumi.")
    shown = "".join(render_article("id", info))
    assert shown.count(title) == 1
    assert "Gempa bermagnitudo 5,6 mengguncang Kabupaten Sukabumi." in shown


def test_a_time_with_nothing_stored_is_named_by_its_days_open_ends_included():
    from datetime import date

    from bot.render_html import not_found_lines
    from retrieval.ranking.timeframe import TimeRange

    assert not_found_lines("en", TimeRange(date(2026, 11, 30), date(2026, 11, 30)))[0] == \
        "No stored article is from 2026-11-30."
    assert not_found_lines("id", TimeRange(date(2024, 5, 1), date(2024, 5, 31)))[0] == \
        "Tidak ada artikel tersimpan dari 2024-05-01 – 2024-05-31."
    assert not_found_lines("en", TimeRange(date(2024, 1, 1), None))[0] == "No stored article is from 2024-01-01 or later."
    assert not_found_lines("en", None)[0] == text("en", "nothing_found")


def test_a_time_whose_stored_articles_do_not_answer_is_named_as_such():
    from datetime import date

    from bot.render_html import not_found_lines
    from retrieval.ranking.timeframe import TimeRange

    days = TimeRange(date(2026, 11, 30), date(2026, 12, 1))
    assert not_found_lines("en", None, days) == ("No stored article about this is from 2026-11-30 – 2026-12-01.",
                                                 text("en", "nearest_other_time"))
    assert not_found_lines("id", None, TimeRange(None, date(2024, 5, 31)))[0] == \
        "Tidak ada artikel tersimpan tentang hal ini sampai 2024-05-31."


def test_stats_tell_when_the_last_article_was_added_in_the_readers_time_zone() -> None:
    stats = Stats(3, 4, 0, "e5", "flat", datetime(2026, 12, 1, 21, 26))
    assert "Last added: 2026-12-02 04:26" in stats_text(stats, "en", "Asia/Jakarta")
    assert "Terakhir ditambah: 2026-12-01 21:26" in stats_text(stats, "id", "UTC")


def test_an_undated_article_added_late_in_the_utc_day_is_listed_under_the_jakarta_day_everywhere() -> None:
    """Added at 20:00 UTC on 1 December is 03:00 on 2 December in Jakarta: /sources, /latest, `tanya list` and the
    console all list it under the day "hari ini" finds it under; a dated article keeps its own day."""
    undated = ArticleInfo(1, "Catatan rapat", None, "Catatan", None, None, datetime(2026, 12, 1, 20, 0), "id", 1)
    dated = ArticleInfo(2, "Gempa Garut", None, "BMKG", None, datetime(2026, 11, 30, 23, 0),
                        datetime(2026, 12, 1, 20, 0), "id", 1)
    for listing in (render_sources("en", [undated], 0, "Asia/Jakarta"),
                    render_latest("en", [undated], "", 0, "Asia/Jakarta"),
                    render_article_line(undated, "Asia/Jakarta")):
        assert "2026-12-02" in listing and "2026-12-01" not in listing
    assert "2026-11-30" in render_article_line(dated, "Asia/Jakarta")

"""Issue 12, case 9: the smaller things a user sees — counted nouns, the Context view, names shown once, cancelling a
deletion, paging through more passages, /stats for users and admins, media the bot cannot read, unsure inline
results. Each scenario failed before its fix."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from retrieval.library import Library
from tests.bot_harness import exchange
from tests.fake_telegram import FakeTelegram
from tests.news import POSTS
from tests.scenarios.runner import play
from tests.scenarios.script import Edit, Expect, ExpectInline, Forward, ForwardFrom, Inline, Press, Restart, Say, Scenario

JAKARTA_TODAY = datetime.now(ZoneInfo("Asia/Jakarta")).date().isoformat()
"""Today in the readers' time zone (the settings' default), the day a message sent now counts as added on."""
ADMIN = {"admin_user_ids": "1002"}
"""Budi (user 1002) is the bot's admin; Ani, the default user, is not."""

BUDI_NOTE = ("Info dari kelurahan: posyandu di RW 05 Kampung Melayu dibuka lagi mulai Kamis setelah banjir surut. "
             "Petugas puskesmas memeriksa 120 balita dan membagikan vitamin A. "
             "Warga diminta membawa buku KIA saat datang ke posyandu.")

PASTED = ("Harga cabai rawit di Pasar Kramat Jati turun menjadi Rp 45.000 per kilogram pada Selasa pagi. Pedagang "
          "menyebut pasokan dari Garut dan Tasikmalaya kembali normal setelah panen raya. Dinas Ketahanan Pangan "
          "memperkirakan harga akan stabil hingga akhir bulan.")

SCENARIOS = [
    Scenario(
        "A question corrected by editing it is answered again; an edited pasted article is not stored twice",
        given=("putin",),
        steps=(
            Say("siapa yang mendampingi Kim?", lang="id"),
            Expect(),
            Edit("siapa yang mendampingi Putin?"),
            Expect(has=("Belousov",)),
            Say(PASTED, lang="id"),
            Expect(has=("Tersimpan",)),
            Edit(PASTED.replace("Selasa", "Rabu")),
            Expect(replies=0),
            Say("/sources", lang="id"),
            Expect(has=("Harga cabai rawit",), lacks=("#3",)),
        ),
    ),
    Scenario(
        "One stored passage is '1 passage' in English and '1 bagian' in Indonesian, one turn '1 turn'",
        steps=(
            Forward.of(POSTS["zoo"], lang="en"),
            Expect(has=("1 passage,",), lacks=("1 passages",)),
            Say("/sources"),
            Expect(has=("1 passage",), lacks=("1 passages",)),
            Forward.of(POSTS["quake"], lang="id"),
            Expect(has=("1 bagian",)),
            Say("how many people visited Ragunan?"),
            Expect(has=("85.000",)),
            Say("/reset"),
            Expect(has=("(1 turn)",), lacks=("1 turns",)),
        ),
    ),
    Scenario(
        "The Context view of a long article starts at a sentence, not mid-word, and cites the article under it",
        given=("putin",),
        steps=(
            Say("/lang id"),
            Expect(has=("bahasa Indonesia",)),
            Say("kapan Kim dan Putin bertemu di Vladivostok?", lang="id"),
            Expect(has=("September 2023",), buttons=("Konteks [1]",)),
            Press("Konteks [1]"),
            Expect(has=("Konteks [1]", "— Putin tiba di Korea Utara untuk bertemu Kim Jong Un · Tribunnews.com"),
                   lacks=("A mengatakan",), bold=("Vladivostok",)),
        ),
    ),
    Scenario(
        "The Context view cites the article with its link and source, as the answer does",
        given=("mrt", "rice"),
        steps=(
            Say("when will the first MRT trains to Kota run?"),
            Expect(has=("2027",), links=("https://jakartawire.example/mrt-kota",), buttons=("Context [1]",)),
            Press("Context [1]"),
            Expect(has=("Context of [1]", "Jakarta Wire"), bold=("2027",), links=("https://jakartawire.example/mrt-kota",)),
        ),
    ),
    Scenario(
        "A message forwarded from a person names that person once, in the article and in the answer",
        steps=(
            ForwardFrom("Budi", BUDI_NOTE, date="2024-06-05 10:00", lang="id"),
            Expect(has=("Tersimpan",)),
            Say("/article 1", lang="id"),
            Expect(has=("Budi",), lacks=("Budi · Budi",)),
            Say("berapa balita yang diperiksa di posyandu?", lang="id"),
            Expect(has=("120 balita", "Budi"), lacks=("Budi · Budi",)),
        ),
    ),
    Scenario(
        "An answer from a forwarded post shows the post's title once, in the citation, not again above the passage",
        steps=(
            Forward.of(POSTS["busway"], lang="id"),
            Expect(has=("Tersimpan",)),
            Say("berapa tarif rute baru Transjakarta?", lang="id"),
            Expect(has=("[1] Transjakarta membuka rute baru", "— Transjakarta buka rute baru Blok M"),
                   lacks=("[1] Transjakarta buka",), bold=("Rp 3.500",)),
            Press("Konteks [1]"),
            Expect(has=("— Transjakarta buka rute baru Blok M",), lacks=("Soekarno-Hatta\n\nTransjakarta",)),
        ),
    ),
    Scenario(
        "An admin who asks to delete an article can cancel, and the article stays",
        given=("rice",),
        settings=ADMIN,
        steps=(
            Say("/delete 1", user="budi", lang="en"),
            Expect(chat="budi", has=("Delete article #1",), buttons=("Yes, delete #1", "Cancel")),
            Press("Cancel", user="budi"),
            Expect(chat="budi", has=("Cancelled", "#1 stays"), no_buttons=("Yes, delete",)),
            Say("/article 1", user="budi"),
            Expect(chat="budi", has=("Harga beras medium",)),
        ),
    ),
    Scenario(
        "Membatalkan penghapusan dalam bahasa Indonesia: tombol Batal, artikelnya tetap ada",
        given=("rice",),
        settings=ADMIN,
        steps=(
            Say("/lang id", user="budi", lang="id"),
            Expect(chat="budi", has=("bahasa Indonesia",)),
            Say("/delete 1", user="budi", lang="id"),
            Expect(chat="budi", buttons=("Ya, hapus #1", "Batal")),
            Press("Batal", user="budi"),
            Expect(chat="budi", has=("Dibatalkan", "tetap tersimpan")),
        ),
    ),
    Scenario(
        "More passages pages on until there are none left and says so; after /reset its button says it expired",
        given=("putin", "rice", "mrt", "flood"),
        settings={"top_k": 2},
        steps=(
            Forward.of(POSTS["odd-even"]),
            Expect(has=("Saved",)),
            Forward.of(POSTS["heat"]),
            Expect(has=("Saved",)),
            Forward.of(POSTS["election"]),
            Expect(has=("Saved",)),
            Say("what happened in Jakarta?"),
            Expect(buttons=("More passages",)),
            Press("More passages"),
            Expect(has=("[2]", "[3]"), buttons=("More passages",)),
            Press("More passages"),
            Expect(has=("[4]", "no more passages"), no_buttons=("More passages",)),
            Say("/reset"),
            Expect(has=("Done",)),
            Press("More passages"),
            Expect(has=("expired",)),
        ),
    ),
    Scenario(
        "More passages still pages on after the bot restarts",
        given=("putin", "rice", "mrt", "flood"),
        settings={"top_k": 2},
        steps=(
            Forward.of(POSTS["heat"]),
            Expect(has=("Saved",)),
            Forward.of(POSTS["election"]),
            Expect(has=("Saved",)),
            Say("what happened in Jakarta?"),
            Expect(buttons=("More passages",)),
            Restart(),
            Press("More passages"),
            Expect(has=("[3]",), buttons=("More passages",)),
        ),
    ),
    Scenario(
        "/stats shows a user the library's counts, not the model or everyone's conversation turns",
        given=("putin",),
        settings=ADMIN,
        steps=(
            Say("who accompanied Putin?"),
            Expect(has=("Belousov",)),
            Say("/stats"),
            Expect(has=("Articles: 1", "Passages:"), lacks=("Model", "turns", "e5")),
            Say("/stats", lang="id"),
            Expect(has=("Artikel: 1",), lacks=("Model", "Giliran")),
        ),
    ),
    Scenario(
        "/stats tells when the last article was added on the readers' Jakarta clock, not in UTC",
        steps=(
            Forward.of(POSTS["zoo"], lang="id"),
            Expect(has=("Tersimpan",)),
            Say("/stats", lang="id"),
            Expect(has=(f"Terakhir ditambah: {JAKARTA_TODAY}",)),
        ),
    ),
    Scenario(
        "/sources and /latest date an article without a publication date by the Jakarta day it was added",
        steps=(
            Say(BUDI_NOTE, lang="id"),
            Expect(has=("Tersimpan",)),
            Say("/sources", lang="id"),
            Expect(has=(f"· {JAKARTA_TODAY} ·",)),
            Say("/latest", lang="id"),
            Expect(has=(f"· {JAKARTA_TODAY} ·",)),
        ),
    ),
    Scenario(
        "/stats shows an admin the engine: the model, the index and the turns of all chats",
        given=("putin",),
        settings=ADMIN,
        steps=(
            Say("who accompanied Putin?"),
            Expect(has=("Belousov",)),
            Say("/stats", user="budi"),
            Expect(chat="budi", has=("Articles: 1", "Model:", "Index:", "(all chats): 1")),
        ),
    ),
    Scenario(
        "A photo without a caption gets one short reply saying what the bot can read, in the user's language",
        steps=(
            Forward("kabarjkt", 960, "", date="2024-06-05 08:00", photo=True),
            Expect(has=("only read text", ".pdf")),
            Forward("kabarjkt", 961, "", date="2024-06-05 08:00", photo=True, lang="id"),
            Expect(has=("hanya bisa membaca teks",)),
        ),
    ),
    Scenario(
        "An album of uncaptioned photos gets the reply once, not once per photo",
        steps=(
            Forward("kabarjkt", 970, "", date="2024-06-05 08:00", photo=True, album="a970"),
            Forward("kabarjkt", 971, "", date="2024-06-05 08:00", photo=True, album="a970"),
            Forward("kabarjkt", 972, "", date="2024-06-05 08:00", photo=True, album="a970"),
            Expect(replies=1, has=("only read text",)),
            Say("/help"),
            Expect(replies=1, has=("How to use me",), lacks=("only read text",)),
        ),
    ),
    Scenario(
        "In a group, a photo without a caption that is not meant for the bot gets no reply",
        steps=(
            Forward("kabarjkt", 980, "", date="2024-06-05 08:00", photo=True, chat="group"),
            Expect(chat="group", replies=0),
        ),
    ),
    Scenario(
        "An inline answer the bot is unsure of says so in its results, as the chat answer does",
        given=("putin",),
        steps=(
            Say("apa hadiah Putin untuk Kim Jong Un?", lang="id"),
            Expect(has=("tidak yakin",)),
            Inline("apa hadiah Putin untuk Kim Jong Un?", lang="id"),
            ExpectInline(has=("Belum pasti", "tidak yakin")),
            Inline("who accompanied Putin?"),
            ExpectInline(has=("Belousov",), lacks=("Not sure", "not sure")),
        ),
    ),
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.story)
def test_polish(scenario, scenario_bot) -> None:
    play(scenario, scenario_bot)


UNREADABLE = {
    "sticker": {"sticker": {"file_id": "s1", "file_unique_id": "s1", "width": 512, "height": 512,
                            "is_animated": False, "is_video": False, "type": "regular"}},
    "voice message": {"voice": {"file_id": "v1", "file_unique_id": "v1", "duration": 4}},
    "video": {"video": {"file_id": "m1", "file_unique_id": "m1", "width": 640, "height": 360, "duration": 9}},
    "location": {"location": {"latitude": -6.2, "longitude": 106.8}},
}
"""Messages the scenario language cannot send yet (it has no sticker or voice step), pushed as raw updates."""


def push(tg: FakeTelegram, chat_id: int, content: dict[str, Any], chat_type: str = "private",
         language_code: str = "en") -> int:
    """A user message with the given content and no text or caption."""
    message = tg.build_message(chat_id, chat_type=chat_type, language_code=language_code)
    return tg.push_update({"message": {**message, **content}})


@pytest.mark.parametrize("kind", UNREADABLE, ids=str)
def test_a_sticker_voice_message_video_or_location_gets_one_short_reply_saying_what_the_bot_reads(
        kind: str, tg: FakeTelegram, start_bot, bot_library: Library) -> None:
    with start_bot(bot_library):
        push(tg, -93, UNREADABLE[kind], chat_type="group")
        english = exchange(tg, 91, lambda: push(tg, 91, UNREADABLE[kind]))
        indonesian = exchange(tg, 92, lambda: push(tg, 92, UNREADABLE[kind], language_code="id"))
    assert [call["params"]["text"] for call in english] == [
        "I can only read text. Ask a question, send a link, forward a post with text, or upload a .txt .md .html "
        ".pdf .docx file."]
    assert [call["params"]["text"] for call in indonesian][0].startswith("Saya hanya bisa membaca teks.")
    assert tg.texts(-93) == [], "in a group the bot stays silent unless addressed"

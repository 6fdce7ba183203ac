"""How people use a news bot, as conversations: asking in both languages, forwarding bursts from channels, asking
about what is not stored, buttons old and new, groups, channels the bot administers, time, inline mode, restarts."""

from __future__ import annotations

import pytest

from tests.news import POSTS, jakarta_day, morning_of
from tests.scenarios.runner import play
from tests.scenarios.script import (
    ChannelPost,
    Expect,
    ExpectInline,
    Forward,
    Inline,
    Press,
    Restart,
    Say,
    Scenario,
    Upload,
)

ADMIN = {"admin_user_ids": "1001"}
DELEGATION = "Andrei Belousov"
NOT_FOUND = ("tidak menemukan", "found nothing", "not sure", "tidak yakin")
BURST = ("odd-even", "zoo", "busway", "quake", "heat", "election", "airport")
MORE_POSTS = (
    Forward("kabarjkt", 960, "Jakarta Fair 2024 dibuka di Kemayoran\n\nPekan Raya Jakarta dibuka pada 12 Juni di "
            "JIExpo Kemayoran dan berlangsung hingga 14 Juli. Harga tiket masuk Rp 50.000 pada hari kerja.",
            "2024-06-12 10:00"),
    Forward("infobmkg", 4420, "Hujan lebat berpotensi turun di Bogor\n\nBMKG memperingatkan potensi hujan lebat "
            "disertai petir di Kabupaten Bogor pada Rabu sore. Warga di bantaran sungai diminta waspada.",
            "2024-06-12 04:00"),
    Forward("jakartawire", 80, "Jakarta bans plastic bags in traditional markets\n\nThe city administration "
            "extended its ban on single-use plastic bags to all 153 traditional markets from 1 July, with fines for "
            "sellers who keep handing them out.", "2024-06-13 02:00"),
)
TIMNAS = Upload("timnas.txt", (
    "Timnas Indonesia menang 2-0 atas Filipina\n\nTimnas Indonesia mengalahkan Filipina 2-0 di Stadion Utama Gelora "
    "Bung Karno pada Selasa malam. Gol dicetak oleh Thom Haye pada menit ke-32 dan Rizky Ridho pada menit ke-56. "
    "Kemenangan ini memastikan Indonesia lolos ke putaran ketiga kualifikasi Piala Dunia 2026.").encode(),
    "text/plain", lang="id")

CHILLI = ("Harga cabai rawit turun di Pasar Kramat Jati\n\nHarga cabai rawit di Pasar Induk Kramat Jati turun menjadi "
          "Rp 38.000 per kilogram pada Minggu. Pedagang menyebut pasokan dari Jawa Tengah kembali lancar.")
FIRE = ("Kebakaran landa Pasar Tanah Abang\n\nKebakaran melanda Blok F Pasar Tanah Abang dini hari tadi. Sebanyak 18 "
        "unit mobil pemadam dikerahkan dan api padam setelah tiga jam.")


THREE_STORIES_ONE_SHOWN = (
    ChannelPost("infobmkg", 4412, POSTS["heat"].text, date=POSTS["heat"].date),
    ChannelPost("infobmkg", 4410, POSTS["quake"].text, date=POSTS["quake"].date),
    Say("berapa warga mengungsi karena banjir, berapa suhu Jakarta, dan di mana gempa?", lang="id"),
    Expect(has=("1.200 warga",), buttons=("Bagian lainnya",)),
)
"""With `top_k` 1: the flood answers, and the heat post (#5) and the quake post (#6) wait behind 'More passages'."""


def burst(*names: str, **options: str) -> tuple[Forward, ...]:
    """The corpus's posts forwarded one after another, as a user selects several and forwards them together."""
    return tuple(Forward.of(POSTS[name], **options) for name in names)


ASKING = [
    Scenario("An Indonesian question gets the passage that answers, the key sentence bold, with its citation",
             given=("putin", "rice"), steps=(
                 Say("siapa yang mendampingi Putin?", lang="id"),
                 Expect(has=(DELEGATION, "Tribunnews.com"), bold=(DELEGATION,), lacks=NOT_FOUND),
             )),
    Scenario("The same question in English finds the Indonesian article", given=("putin", "rice"), steps=(
        Say("who accompanied Putin?"),
        Expect(has=(DELEGATION,), bold=(DELEGATION,), lacks=NOT_FOUND),
    )),
    Scenario("A question written the way people type, with abbreviations and no capitals, is still answered",
             given=("putin", "flood"), steps=(
                 Say("yg dampingi putin ke korut siapa aja", lang="id"),
                 Expect(has=(DELEGATION,)),
             )),
    Scenario("Chat shorthand asks what the words in full ask: 'brp' wants the figure, bold as for 'berapa'", steps=(
        *burst("odd-even", "zoo"), Expect(),
        Say("brp denda ganjil genap", lang="id"),
        Expect(has=("Rp 500.000",), bold=("500.000",)),
        Say("kpn aturan ganjil genap yg baru mulai?", lang="id"),
        Expect(has=("Senin, 3 Juni",), bold=("3 Juni",)),
    )),
    Scenario("A question about something never stored says so plainly, quotes nothing as the answer and offers no "
             "more passages", given=("putin", "rice", "mrt", "flood"), steps=(
                 Say("Bagaimana resep rendang padang?", lang="id"),
                 Expect(any_of=NOT_FOUND, lacks=("[2]", "[3]"), max_chars=900, no_buttons=("lainnya",)),
             )),
    Scenario("An English question about something never stored is not answered with a confident quote",
             given=("putin", "rice", "mrt", "flood"), steps=(
                 Say("Who won the 2022 World Cup final?"),
                 Expect(any_of=NOT_FOUND, lacks=("[3]",), max_chars=900),
             )),
    Scenario("An English question that shares only a name with an Indonesian article is not answered with a "
             "confident quote from it", given=("putin", "rice"), steps=(
                 Say("When was Putin born?"),
                 Expect(any_of=NOT_FOUND),
                 Say("who accompanied Putin?"),
                 Expect(has=(DELEGATION,), lacks=NOT_FOUND),
             )),
    Scenario("Thanks, greetings and a bare 'ok' get a short friendly line, not a passage, and the conversation "
             "goes on", given=("putin", "rice"), steps=(
                 Say("siapa yang mendampingi Putin?", lang="id"), Expect(has=(DELEGATION,)),
                 Say("makasih ya!", lang="id"), Expect(has=("Sama-sama",), lacks=("[1]",), max_chars=200),
                 Say("hello"), Expect(has=("Hello",), lacks=("[1]",), max_chars=200),
                 Say("apa kabar?", chat="group", lang="id"), Expect(chat="group", has=("Halo",), lacks=("[1]",)),
                 Say("ok 👍"), Expect(lacks=("[1]",), max_chars=200),
                 Say("kapan mereka bertemu sebelumnya?", lang="id"), Expect(has=("Vladivostok",)),
             )),
    Scenario("Thanks typed as people type on a phone ('oke mksh bgt') is thanks too, not a search that quotes the "
             "nearest passage", given=("putin", "rice"), steps=(
                 Say("gmn harga beras premium skrg?", lang="id"), Expect(has=("16.200",)),
                 Say("oke mksh bgt", lang="id"), Expect(has=("Sama-sama",), lacks=("[1]",), max_chars=200),
             )),
    Scenario("Good wishes after a greeting ('Selamat pagi semua! Semoga harinya menyenangkan ya') get a greeting back, "
             "not the 'selamat datang' passage as maybe related", given=("putin", "rice"), steps=(
                 Say("Selamat pagi semua! Semoga harinya menyenangkan ya", lang="id"),
                 Expect(has=("Halo",), lacks=("[1]",), max_chars=200),
                 Say("Good morning, have a nice day!"), Expect(lacks=("[1]",), max_chars=200),
             )),
    Scenario("'sapa yg mendampingi Putin?' is 'siapa yang …': answered as surely as typed in full",
             given=("putin", "rice"), steps=(
                 Say("sapa yg mendampingi Putin?", lang="id"),
                 Expect(has=(DELEGATION,), bold=(DELEGATION,), lacks=NOT_FOUND),
             )),
    Scenario("A figure typed without its dots ('16200', '1200 warga') is the article's 'Rp 16.200' and '1.200 warga': "
             "answered as surely as typed with them", given=("putin", "rice", "flood"), steps=(
                 Say("beras premium 16200 ya?", lang="id"),
                 Expect(has=("Rp 16.200",), bold=("16.200",), lacks=NOT_FOUND),
                 Say("apakah 1200 warga mengungsi karena banjir?", lang="id"),
                 Expect(has=("1.200 warga",), bold=("1.200 warga",), lacks=NOT_FOUND),
             )),
    Scenario("In a small library, a passage with none of the question's words is not shown as related",
             given=("putin", "mrt", "flood", "rice"), steps=(
                 Say("berita terbaru tentang banjir?", lang="id"),
                 Expect(has=("Kampung Melayu",), lacks=("Cipinang", "MRT")),
             )),
    Scenario("A question that names nothing ('siapa?', 'who?') with nothing before it asks what is meant instead of "
             "quoting passages", given=("putin", "rice"), steps=(
                 Say("siapa?", chat="group", user="budi", lang="id"),
                 Expect(chat="group", has=("siapa yang dimaksud",), lacks=("[1]",)),
                 Say("who?"), Expect(has=("What or whom do you mean",), lacks=("[1]",)),
                 Say("siapa yang mendampingi Putin?", lang="id"), Expect(has=(DELEGATION,)),
             )),
    Scenario("'sumbernya apa?' with no answer before it (after /reset) asks what is meant instead of quoting "
             "passages as if they were its source", given=("putin", "rice"), steps=(
                 Say("siapa yang mendampingi Putin?", lang="id"), Expect(has=(DELEGATION,)),
                 Say("/reset", lang="id"), Expect(),
                 Say("sumbernya apa?", lang="id"), Expect(has=("siapa yang dimaksud",), lacks=("[1]",)),
                 Say("where is this from?"), Expect(has=("What or whom do you mean",), lacks=("[1]",)),
             )),
    Scenario("A bare '?' or a number alone ('12345') asks what is meant, rather than a thumbs-up or random passages",
             given=("putin", "rice"), steps=(
                 Say("12345", lang="id"), Expect(has=("siapa yang dimaksud",), lacks=("[1]",)),
                 Say("?", lang="id"), Expect(has=("siapa yang dimaksud",), lacks=("[1]", "👍")),
                 Say("siapa yang mendampingi Putin?", lang="id"), Expect(has=(DELEGATION,)),
                 Say("?", lang="id"), Expect(has=("siapa yang dimaksud",), lacks=("[1]", "👍")),
             )),
    Scenario("An empty library tells a new user how to add articles instead of answering", steps=(
        Say("siapa yang mendampingi Putin?", lang="id"),
        Expect(has=("kosong",), lacks=("[1]",)),
        Say("/latest", lang="id"),
        Expect(has=("kosong", "Teruskan"), lacks=("cocok",)),
        Say("/start"),
        Expect(has=("Forward",)),
    )),
    Scenario("A question about a figure bolds the sentence holding it", given=("rice", "flood"), steps=(
        Say("berapa harga beras premium di Cipinang?", lang="id"),
        Expect(has=("Rp 16.200",), bold=("Rp 16.200",)),
    )),
    Scenario("An English question about an Indonesian flood report is answered from it", given=("rice", "flood"),
             steps=(
                 Say("How many people fled the flood in East Jakarta?"),
                 Expect(has=("1.200 warga",), bold=("1.200",)),
             )),
    Scenario("Asking the same question twice gives the same answer", given=("putin", "mrt"), steps=(
        Say("when will the first MRT trains run to Kota?"),
        Expect(has=("2027",), bold=("2027",)),
        Say("when will the first MRT trains run to Kota?"),
        Expect(has=("2027",), bold=("2027",)),
    )),
    Scenario("A long rambling question is answered from the passage it asks about", given=("putin", "mrt"), steps=(
        Say("I read somewhere, maybe last week or the week before, that the Jakarta MRT line is being extended "
            "north from Bundaran HI all the way to the old town, and that digging was slowed down by something "
            "they found underground; what exactly did the workers find near Kota station?"),
        Expect(has=("canal wall",), bold=("canal",)),
    )),
    Scenario("'golnya', as people type, is asked as surely as 'gol': -nya on a short word is no unknown word",
             given=("putin", "rice", "mrt", "flood"), steps=(
                 TIMNAS, Expect(has=("Tersimpan",)),
                 Say("menit berapa golnya timnas?", lang="id"),
                 Expect(has=("menit ke-32",), bold=("menit ke-32",), lacks=NOT_FOUND),
             )),
    Scenario("A new user's first 'what can you do?', with or without a greeting, gets the how-to, not a passage",
             given=("mrt", "rice"), steps=(
                 Say("hi there, what can you do?"),
                 Expect(has=("How to use me", "/sources"), lacks=("MRT", "[1]")),
                 Say("halo, kamu bisa apa?", lang="id"),
                 Expect(has=("Cara memakai",), lacks=("beras", "[1]")),
                 Say("gimana cara pakainya?", lang="id"),
                 Expect(has=("Cara memakai",), lacks=("[1]",)),
             )),
]

QUAKE_BODY = ("Gempa bermagnitudo 5,6 mengguncang Kabupaten Sukabumi, Jawa Barat, pada Kamis pukul 09.12 WIB. BMKG "
              "menyebut pusat gempa berada 24 kilometer barat daya Sukabumi pada kedalaman 10 kilometer. Sedikitnya "
              "120 rumah rusak ringan.")

FORWARDING = [
    Scenario("The same story forwarded from two channels is one passage, found, naming both channels", steps=(
        Forward("infogempa", 71, "Gempa magnitudo 5,6 guncang Sukabumi\n\n" + QUAKE_BODY, "2024-09-05 02:30"),
        Forward("beritasukabumi", 902, "Gempa M5,6 di Sukabumi, 120 rumah rusak\n\n" + QUAKE_BODY, "2024-09-05 03:00"),
        Expect(replies=1, has=("2 posts",)),
        Say("berapa rumah rusak akibat gempa di Sukabumi?", lang="id"),
        Expect(has=("juga di", "beritasukabumi", "infogempa"), bold=("120 rumah",), lacks=NOT_FOUND + ("[2]",)),
        Say("seberapa kuat gempa di Sukabumi?", lang="id"),
        Expect(has=("juga di",), bold=("bermagnitudo 5,6",), lacks=NOT_FOUND + ("[2]",)),
    )),
    Scenario("A burst of posts from three channels: each is its own article, answered with its own link", steps=(
        *burst(*BURST),
        Expect(replies=1, has=("Ragunan",)),
        Say("berapa pengunjung Ragunan saat libur panjang?", lang="id"),
        Expect(has=("85.000", POSTS["zoo"].link), lacks=(POSTS["odd-even"].link,), bold=("85.000",)),
        Say("where was the centre of the Garut earthquake?"),
        Expect(has=(POSTS["quake"].link, "45 kilometer"), lacks=(POSTS["zoo"].link,)),
    )),
    Scenario("A burst's articles are numbered in the order the user forwarded them, as the confirmation lists them",
             steps=(
                 *burst(*BURST),
                 Expect(replies=1, has=("Ganjil genap diperluas ke 26 ruas jalan (#1)",
                                        "Ragunan dikunjungi 85.000 orang saat libur panjang (#2)",
                                        "Transjakarta buka rute baru Blok M-Bandara Soekarno-Hatta (#3)",
                                        "Soekarno-Hatta opens its fourth terminal (#7)")),
                 Say("/article 1"),
                 Expect(has=("Ganjil genap",)),
             )),
    Scenario("After a burst of ten posts, a question about the second-newest is cited with that post", steps=(
        *burst(*BURST), *MORE_POSTS,
        Expect(replies=1, has=("Bogor",)),
        Say("berapa harga tiket Pekan Raya Jakarta?", lang="id"),
        Expect(has=("Rp 50.000", "https://t.me/kabarjkt/960"), lacks=("https://t.me/kabarjkt/951",)),
    )),
    Scenario("The same post forwarded twice is stored once", steps=(
        *burst("zoo"), Expect(),
        *burst("zoo"), Expect(has=("Ragunan",)),
        Say("/stats"), Expect(has=("1",)),
    )),
    Scenario("A forwarded post's date and channel show in the answer's citation", steps=(
        *burst("quake"), Expect(),
        Say("berapa kekuatan gempa di Garut?", lang="id"),
        Expect(has=("5,2", "Info BMKG", "2024-06-03"), links=(POSTS["quake"].link,)),
    )),
]

BUTTONS = [
    Scenario("More passages pages on, then says there are no more", given=("putin", "rice", "mrt", "flood"), steps=(
        *burst("odd-even", "heat", "election"), Expect(),
        Say("what happened in Jakarta?"),
        Expect(has=("[1]",), buttons=("More",)),
        Press("More"),
        Expect(has=("[2]", "[4]"), buttons=("More",)),
        Press("More"),
        Expect(has=("[5]", "no more passages"), no_buttons=("More",)),
    )),
    Scenario("No 'More passages' button leads only to stories that share no word with the question (pressed, it "
             "said there were none)", given=("putin", "rice", "mrt", "flood"), steps=(
                 Say("who accompanied Putin?"),
                 Expect(has=("Belousov",), no_buttons=("More",)),
                 Say("siapa yang mendampingi Putin?", lang="id"),
                 Expect(has=("Belousov",), no_buttons=("Bagian lainnya",)),
             )),
    Scenario("No 'More passages' button leads to a story sharing only the question's commonest word ('warga' of the "
             "Putin visit's crowds after a flood question)", given=("putin", "rice", "mrt", "flood"), steps=(
                 Say("berapa warga mengungsi di Kampung Melayu?", lang="id"),
                 Expect(has=("1.200 warga",), no_buttons=("Bagian lainnya",)),
             )),
    Scenario("Context shows the passage's surroundings with the article's title", given=("putin",), steps=(
        Say("siapa yang mendampingi Putin?", lang="id"),
        Expect(buttons=("Konteks",)),
        Press("Konteks"),
        Expect(has=("Putin tiba di Korea Utara",)),
    )),
    Scenario("A button pressed after /reset still answers, it does not crash or stay silent", given=("putin",), steps=(
        Say("who accompanied Putin?"), Expect(),
        Say("/reset"), Expect(),
        Press("Context"),
        Expect(),
    )),
    Scenario("A button pressed after the bot restarted still answers", given=("putin", "mrt"), steps=(
        Say("who accompanied Putin?"), Expect(),
        Restart(),
        Press("Context"),
        Expect(),
    )),
    Scenario("Deleting an article needs a confirmation, and afterwards it is no longer quoted",
             given=("putin", "rice"), settings=ADMIN, steps=(
                 Say("/delete 2"), Expect(has=("Cipinang",), buttons=("2",)),
                 Press("2"), Expect(),
                 Say("berapa harga beras premium di Cipinang?", lang="id"),
                 Expect(lacks=("Rp 16.200",)),
             )),
]

GROUPS = [
    Scenario("In a group the bot stays quiet until it is addressed", given=("putin",), steps=(
        Say("siapa yang mendampingi Putin?", chat="group", mention=False, lang="id"),
        Expect(chat="group", replies=0),
        Say("siapa yang mendampingi Putin?", chat="group", lang="id"),
        Expect(chat="group", has=(DELEGATION,)),
    )),
    Scenario("In a group /ask works without a mention", given=("putin", "mrt"), steps=(
        Say("/ask how long is the MRT extension to Kota?", chat="group"),
        Expect(chat="group", has=("5.8",)),
    )),
    Scenario("Two members ask about different stories in one group; each gets their own answer",
             given=("putin", "rice", "mrt"), steps=(
                 Say("siapa yang mendampingi Putin?", chat="group", user="budi", lang="id"),
                 Expect(chat="group", has=(DELEGATION,), lacks=("Cipinang",)),
                 Say("how much is premium rice at Cipinang?", chat="group", user="citra"),
                 Expect(chat="group", has=("16.200",), lacks=(DELEGATION,)),
             )),
    Scenario("In a group, the buttons under an Indonesian answer answer in Indonesian, whoever presses them",
             given=("putin", "rice", "mrt", "flood"), settings={"top_k": 2}, steps=(
                 *burst("odd-even", "heat", "election"), Expect(),
                 Say("apa yang terjadi di Jakarta?", chat="group", user="budi", lang="id"),
                 Expect(chat="group", buttons=("Konteks [1]", "Bagian lainnya")),
                 Press("Bagian lainnya", chat="group", user="citra"),
                 Expect(chat="group", has=("[3]",), buttons=("Konteks [3]",), lacks=("Context", "passages")),
                 Press("Bagian lainnya", chat="group", user="dewi"),
                 Expect(chat="group", has=("Tidak ada bagian lain",), lacks=("Context", "passages")),
                 Press("Konteks [1]", chat="group", user="citra"),
                 Expect(chat="group", has=("Konteks [1]",), lacks=("Context of",)),
             )),
    Scenario("'ok makasih' replying to the bot's answer is thanks, not a question to search", given=("flood",), steps=(
        Say("berapa ketinggian air di Kampung Melayu?", chat="group", user="citra", lang="id"),
        Expect(chat="group", has=("1,5 meter",)),
        Say("ok makasih", chat="group", user="citra", lang="id", mention=False, reply_to_answer=True),
        Expect(chat="group", has=("Sama-sama",), lacks=("[1]",)),
        Say("oke, thanks a lot", chat="group", user="budi", mention=False, reply_to_answer=True),
        Expect(chat="group", has=("welcome",), lacks=("[1]",)),
    )),
    Scenario("An English member who types a bare /lang in a group, switching it to Indonesian, reads how to switch "
             "back", given=("putin",), steps=(
                 Say("/lang", chat="group", user="citra"),
                 Expect(chat="group", has=("bahasa Indonesia", "English: /lang en")),
                 Say("/lang en", chat="group", user="citra"),
                 Expect(chat="group", has=("in English", "Bahasa Indonesia: /lang id")),
             )),
    Scenario("A post forwarded into a group is not stored", steps=(
        Forward.of(POSTS["zoo"], chat="group"),
        Expect(chat="group", replies=0),
        Say("/stats"), Expect(has=("0",)),
    )),
]

CHANNELS = [
    Scenario("A channel the bot administers feeds the library silently; answers cite the post's link", steps=(
        ChannelPost("kabarjkt", 990, POSTS["odd-even"].text),
        Say("berapa denda pelanggar ganjil genap?", lang="id"),
        Expect(has=("Rp 500.000", "https://t.me/kabarjkt/990"), bold=("500.000",)),
    )),
    Scenario("An edited channel post replaces the stored one", steps=(
        ChannelPost("kabarjkt", 991, POSTS["zoo"].text),
        ChannelPost("kabarjkt", 991, POSTS["zoo"].text.replace("85.000", "92.000"), edited=True),
        Say("berapa pengunjung Ragunan?", lang="id"),
        Expect(has=("92.000",), lacks=("85.000",)),
    )),
    Scenario("/channels tells the admin when the channel last posted on the readers' clock, the time the post shows",
             settings=ADMIN, steps=(
                 ChannelPost("kabarjkt", 992, POSTS["busway"].text, date="2024-06-04 16:00"),
                 Say("/channels", lang="id"),
                 Expect(has=("Kabar Jakarta (@kabarjkt): 1 posting, terakhir 2024-06-04 23:00",),
                        lacks=("2024-06-05",)),
             )),
]

TIME_AND_INLINE = [
    Scenario("A question naming a month finds the news of that month", steps=(
        *burst("quake", "election"), Expect(),
        Say("what happened in Garut in June 2024?"),
        Expect(has=("Garut", "5,2")),
    )),
    Scenario("A question about a day with nothing stored says so and offers the nearest passage of another day",
             steps=(
                 *burst("quake"), Expect(),
                 Say("ada gempa apa kemarin di Garut?", lang="id"),
                 Expect(has=("Tidak ada artikel tersimpan dari", "dari waktu lain", "Garut", "2024-06-03"),
                        lacks=("kosong", "tidak menemukan apa pun")),
                 Say("was there an earthquake in Garut yesterday?"),
                 Expect(has=("No stored article is from", "from another time", "Garut"), lacks=("found nothing",)),
             )),
    Scenario("A post published at 02:30 in Jakarta is that Jakarta day's news, in its citation and when asked by day",
             steps=(
                 Forward("infobmkg", 4430, "Gempa magnitudo 4,8 guncang Sukabumi\n\nGempa bermagnitudo 4,8 "
                         "mengguncang Kabupaten Sukabumi pada Rabu pukul 02.10 WIB. BMKG menyatakan gempa tidak "
                         "berpotensi tsunami.", "2024-06-04 19:30", lang="id"),
                 Expect(has=("Tersimpan",)),
                 Say("gempa apa yang terjadi pada 5 Juni 2024?", lang="id"),
                 Expect(has=("Sukabumi", "2024-06-05"), lacks=("2024-06-04", "tidak menemukan")),
             )),
    Scenario("Asking what happened on a day nothing stored is from says so, not that the library is empty",
             given=("rice", "mrt"), steps=(
                 Say("what happened yesterday?"),
                 Expect(has=("No stored article is from",), lacks=("library is empty",)),
                 Say("berita kemarin apa?", lang="id"),
                 Expect(has=("Tidak ada artikel tersimpan dari",), lacks=("kosong",)),
                 Say("what happened in June 2024?"),
                 Expect(has=("No stored article is from 2024-06-01 – 2024-06-30",), lacks=("found nothing about",)),
             )),
    Scenario("'tanggal 29' and '3 hari lalu' name a recent day, on the Jakarta clock, and find that day's post",
             steps=(
                 Forward("kabarjkt", 1190, CHILLI, morning_of(jakarta_day(3)), lang="id"),
                 Forward("kabarjkt", 1201, FIRE, morning_of(jakarta_day(0)), lang="id"),
                 Expect(has=("Tersimpan",)),
                 Say(f"apa yang terjadi tanggal {jakarta_day(3).day}?", lang="id"),
                 Expect(has=("Kramat Jati", str(jakarta_day(3))), lacks=("Tanah Abang", "tidak menemukan")),
                 Say("ada berita apa 3 hari lalu?", lang="id"),
                 Expect(has=("Kramat Jati",), lacks=("Tanah Abang", "tidak menemukan")),
                 Say("what happened 3 days ago?"),
                 Expect(has=("Kramat Jati",), lacks=("Tanah Abang", "found nothing")),
             )),
    Scenario("A question about the last two days that only an older post answers says so and shows that post, not "
             "an unrelated one of those days", given=("rice",), steps=(
                 Forward("kabarjkt", 1190, CHILLI, morning_of(jakarta_day(3)), lang="id"),
                 Forward("kabarjkt", 1201, FIRE, morning_of(jakarta_day(0)), lang="id"),
                 Expect(has=("Tersimpan",)),
                 Say("berapa harga cabai rawit 2 hari terakhir?", lang="id"),
                 Expect(has=("tentang hal ini", "dari waktu lain", "38.000", str(jakarta_day(3))),
                        lacks=("Tanah Abang", "tidak yakin")),
             )),
    Scenario("/latest lists the newest stored articles first", steps=(
        *burst("odd-even", "airport"), Expect(),
        Say("/latest"),
        Expect(has=("Soekarno-Hatta", "Ganjil genap")),
    )),
    Scenario("An inline query from any chat offers the passage to post there", given=("putin", "mrt"), steps=(
        Inline("who accompanied Putin to Pyongyang"),
        ExpectInline(has=(DELEGATION,)),
    )),
    Scenario("Each inline result posts a passage that stands alone, not numbered as the fourth of a list nobody sees",
             given=("rice", "flood", "mrt"), steps=(
                 Forward.of(POSTS["quake"], lang="id"), Expect(),
                 Inline("kabar terbaru jakarta", lang="id"),
                 ExpectInline(has=("[1] ",), lacks=("[2]", "[3]", "[4]")),
             )),
    Scenario("Two keywords typed inline, as people search, are enough for results", given=("putin", "mrt"), steps=(
        Inline("putin pyongyang"),
        ExpectInline(has=("Pyongyang",)),
        Inline("putin"),
        ExpectInline(results=0),
    )),
    Scenario("An inline query about nothing stored offers nothing", given=("putin", "mrt"), steps=(
        Inline("resep rendang padang asli"),
        ExpectInline(results=0),
    )),
]

LIBRARY = [
    Scenario("Articles stored before a restart are answered after it", steps=(
        *burst("airport"), Expect(),
        Restart(),
        Say("how many passengers can the new terminal take?"),
        Expect(has=("25 million",), links=(POSTS["airport"].link,)),
    )),
    Scenario("An uploaded text file is stored and answered from", steps=(
        Upload("banjir.txt", "\n".join(POSTS["heat"].text.split("\n")).encode(), "text/plain"),
        Expect(has=("35",)),
        Say("berapa suhu maksimum Jakarta?", lang="id"),
        Expect(has=("35 derajat",), bold=("35 derajat",)),
    )),
    Scenario("/article shows a long article's start cut after a whole word, never inside one", steps=(
        Upload("rapat.txt", ("Rapat koordinasi bulanan\n\n" + "Rapat koordinasi digelar setiap bulan. " * 100).encode(),
               "text/plain", lang="id"),
        Expect(has=("Tersimpan",)),
        Say("/article 1", lang="id"),
        Expect(has=("setiap bulan…",), lacks=("Rapa …", "Rapa…")),
    )),
    Scenario("/sources lists what is stored, newest first", given=("rice", "mrt"), steps=(
        Say("/sources"),
        Expect(has=("MRT", "beras")),
    )),
    Scenario("'/sources 2' shows the second page of stored articles, and a page past the end the last one",
             given=("putin", "rice", "mrt", "flood"), steps=(
                 *burst(*BURST), Expect(),
                 Say("/sources 2"),
                 Expect(has=("Stored articles (6–10)", "#6 ", "#2 "), lacks=("#7 ",), buttons=("Newer", "Older")),
                 Say("/sources 9"),
                 Expect(has=("Stored articles (11–11)", "#1 "), lacks=("#2 ",), buttons=("Newer",)),
             )),
    Scenario("'More passages' of an answer given before a deletion never quotes the deleted article, nor an edited "
             "post's old text", given=("putin", "rice", "mrt", "flood"), settings={**ADMIN, "top_k": 1}, steps=(
                 *THREE_STORIES_ONE_SHOWN,
                 Say("/delete 6", lang="id"),
                 Expect(has=("Gempa",)),
                 Press("Ya, hapus"),
                 Expect(has=("dihapus",)),
                 ChannelPost("infobmkg", 4412, POSTS["heat"].text.replace("35 derajat Celsius", "36 derajat Celsius"),
                             date=POSTS["heat"].date, edited=True),
                 Press("Bagian lainnya"),
                 Expect(lacks=("Gempa", "Garut", "35 derajat Celsius")),
             )),
    Scenario("A 'More passages' page whose story was deleted since shows the next story instead of saying there are "
             "no more", given=("putin", "rice", "mrt", "flood"), settings={**ADMIN, "top_k": 1}, steps=(
                 *THREE_STORIES_ONE_SHOWN,
                 Say("/delete 5", lang="id"),
                 Expect(has=("Suhu",)),
                 Press("Ya, hapus"),
                 Expect(has=("dihapus",)),
                 Press("Bagian lainnya"),
                 Expect(has=("Garut",), lacks=("35 derajat",)),
             )),
    Scenario("/list, as many bots name it, lists what is stored too", given=("rice", "mrt"), steps=(
        Say("/list", lang="id"),
        Expect(has=("Artikel tersimpan", "MRT", "beras"), lacks=("/help",)),
    )),
    Scenario("Help comes in the user's language, names the dated commands and where to forward posts", steps=(
        Say("/help", lang="id"), Expect(has=("Teruskan", "/latest", "/timeline", "chat pribadi")),
        Say("/help"), Expect(has=("Forward", "/latest", "/timeline", "private chat")),
    )),
]


@pytest.mark.parametrize("scenario", ASKING + FORWARDING + BUTTONS + GROUPS + CHANNELS + TIME_AND_INLINE + LIBRARY,
                         ids=lambda s: s.story)
def test_conversation(scenario: Scenario, scenario_bot) -> None:
    play(scenario, scenario_bot)

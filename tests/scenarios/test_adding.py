"""Scenarios: what becomes an article. Forwarded bursts keep each post's own link and date, a question with a link
is answered, a friend's chat line is refused with a reason, a pasted article is stored (issue 12, cases 2, 5, 6, 9)."""

from __future__ import annotations

import pytest

from tests.news import POSTS
from tests.scenarios.runner import play
from tests.scenarios.script import Expect, Forward, ForwardFrom, Say, Scenario, Upload

DELEGATION = "Andrei Belousov"
MORE_POSTS = (
    Forward("kabarjkt", 952, "Tol Dalam Kota ditutup malam ini\n\nJasa Marga menutup ruas Tol Dalam Kota arah Cawang "
            "pukul 22.00-04.00 untuk perbaikan sambungan jembatan.", date="2024-06-04 13:00"),
    Forward("kabarjkt", 953, "Car free day kembali digelar di Sudirman-Thamrin\n\nPemprov DKI kembali menggelar hari "
            "bebas kendaraan bermotor setiap Minggu pukul 06.00-09.00.", date="2024-06-05 01:00"),
    Forward("kabarjkt", 955, "Monas buka hingga malam selama Juni\n\nPengelola Monumen Nasional membuka pelataran "
            "Monas hingga pukul 22.00 setiap Sabtu sepanjang Juni.", date="2024-06-05 08:30"),
    Forward("infobmkg", 4415, "Hujan lebat berpotensi turun di Bogor\n\nBMKG memperingatkan hujan lebat disertai "
            "petir di Kabupaten Bogor pada Rabu sore hingga malam.", date="2024-06-05 03:00"),
    Forward("infobmkg", 4418, "Gelombang tinggi di Selat Sunda\n\nBMKG memperkirakan gelombang setinggi 2,5 meter di "
            "Selat Sunda hingga Jumat; nelayan diminta waspada.", date="2024-06-05 09:10"),
)
PASTED = ("Harga cabai rawit di Jakarta turun tajam\n"
          "Harga cabai rawit merah di Pasar Induk Kramat Jati turun menjadi Rp 38.000 per kilogram pada Kamis. "
          "Sepekan sebelumnya harga masih Rp 65.000 per kilogram. "
          "Pedagang menyebut pasokan dari Garut dan Temanggung melimpah karena panen raya. "
          "Harga diperkirakan bertahan rendah hingga akhir bulan.")

HEADLESS = ("Pemerintah Kota Bogor menutup sementara Jalan Suryakencana selama dua pekan mulai Senin untuk perbaikan "
            "saluran air. Kendaraan dari arah Tugu Kujang dialihkan ke Jalan Siliwangi. Wali Kota Bogor meminta warga "
            "menggunakan angkutan umum selama penutupan berlangsung. Dinas Perhubungan menyiagakan 40 petugas.")

SCENARIOS = [
    Scenario(
        "A pasted article without a headline is titled by its opening words, not by a copy of its first sentence",
        steps=(
            Say(HEADLESS, lang="id"),
            Expect(has=("Tersimpan “Pemerintah Kota Bogor menutup sementara Jalan Suryakencana…”",),
                   lacks=("saluran air",)),
            Say("jalan apa yang ditutup di Bogor?", lang="id"),
            Expect(has=("Siliwangi", "— Pemerintah Kota Bogor menutup sementara Jalan Suryakencana…"), lacks=(".…",)),
        ),
    ),
    Scenario(
        "Two posts of one channel published days apart and forwarded together stay two articles with their own links",
        steps=(
            Forward.of(POSTS["odd-even"], lang="id"),
            Forward.of(POSTS["zoo"], lang="id"),
            Expect(has=("Tersimpan 2 postingan dari Kabar Jakarta", "Ganjil genap diperluas", "Ragunan dikunjungi"),
                   max_chars=200),
            Say("berapa pengunjung Ragunan saat libur panjang?", lang="id"),
            Expect(has=("85.000", "t.me/kabarjkt/950", "2024-06-04"), lacks=("t.me/kabarjkt/900", "Ganjil genap")),
        ),
    ),
    Scenario(
        "A burst of ten posts from two channels is ten articles, confirmed in one short message",
        steps=(
            *(Forward.of(POSTS[name]) for name in ("odd-even", "quake", "zoo", "heat", "busway")),
            *MORE_POSTS,
            Expect(has=("Saved 10 posts from", "Kabar Jakarta", "Info BMKG", "Gempa magnitudo 5,2 guncang Garut"),
                   max_chars=800),
            Say("how strong was the earthquake in Garut?"),
            Expect(has=("t.me/infobmkg/4410",), lacks=("t.me/kabarjkt/",)),
            Say("kapan Tol Dalam Kota ditutup?", lang="id"),
            Expect(has=("t.me/kabarjkt/952",)),
        ),
    ),
    Scenario(
        "The parts of one long post, published moments apart, are still one article",
        steps=(
            Forward("kabarjkt", 960, "Banjir rob di Muara Angke (1/2)\n\nBanjir rob merendam kawasan Muara Angke di "
                    "Jakarta Utara pada Selasa pagi setinggi 60 sentimeter.", date="2024-06-06 01:00"),
            Forward("kabarjkt", 961, "(2/2) Ratusan warga mengungsi ke masjid terdekat dan BPBD DKI mengerahkan "
                    "enam pompa air untuk menyedot genangan.", date="2024-06-06 01:00"),
            Expect(has=("Saved “Banjir rob di Muara Angke", "article #1"), lacks=("2 posts",)),
            Say("how many pumps were sent to Muara Angke?"),
            Expect(has=("t.me/kabarjkt/960",)),
        ),
    ),
    Scenario(
        "A question that cites a link is answered as a question, not fetched as an article",
        given=("putin",),
        steps=(
            Say("siapa yang mendampingi Putin? sumber: https://example.com/berita", lang="id"),
            Expect(has=(DELEGATION,), lacks=("disimpan",)),
            Say("who accompanied Putin? source: https://example.com/news"),
            Expect(has=(DELEGATION,), lacks=("store",)),
        ),
    ),
    Scenario(
        "A friend's forwarded chat line is not stored, the user hears why, and it never shows up as a passage",
        given=("putin",),
        steps=(
            ForwardFrom("Budi", "siapa yang menang?", date="2024-06-19 12:00", lang="id"),
            Expect(has=("Tidak bisa disimpan", "pertanyaan, bukan artikel")),
            ForwardFrom("Budi", "udah sampai rumah nih", date="2024-06-19 12:05"),
            Expect(has=("could not store", "chat message, not news")),
            Say("siapa yang mendampingi Putin?", lang="id"),
            Expect(has=(DELEGATION,), lacks=("siapa yang menang", "Budi")),
        ),
    ),
    Scenario(
        "A burst mixing a channel's short news post and a friend's remark stores the news and says what was not stored",
        steps=(
            Forward("infobmkg", 4420, "Gempa M 4,8 guncang Sukabumi\n\nBMKG mencatat pusat gempa di laut pada "
                    "kedalaman 12 km.", date="2024-06-07 04:00"),
            ForwardFrom("Budi", "wkwk serem banget", date="2024-06-07 04:02"),
            Expect(has=("Saved 1 post from Info BMKG", "1 post not stored", "chat message")),
            Say("where was the magnitude 4.8 earthquake?"),
            Expect(has=("t.me/infobmkg/4420", "Sukabumi")),
        ),
    ),
    Scenario(
        "An uploaded note that is only a chat line is refused with its reason",
        steps=(
            Upload("catatan.txt", b"ok siap", "text/plain", lang="id"),
            Expect(has=("Tidak bisa disimpan", "terlalu pendek")),
        ),
    ),
    Scenario(
        "A pasted article is stored under its first line and answers questions; a long question stays a question",
        given=("putin",),
        steps=(
            Say(PASTED, lang="id"),
            Expect(has=("Tersimpan “Harga cabai rawit di Jakarta turun tajam”",)),
            Say("berapa harga cabai rawit di Kramat Jati?", lang="id"),
            Expect(has=("38.000",)),
            Say("Saya ingin tahu siapa saja pejabat Rusia yang mendampingi Putin saat berkunjung ke Pyongyang, dan apa "
                "saja yang mereka bahas dengan Kim Jong-un di sana?", lang="id"),
            Expect(has=(DELEGATION,), lacks=("Tersimpan",)),
        ),
    ),
    Scenario(
        "A two-sentence news brief pasted after a question is stored, not read as a follow-up of that question",
        given=("putin",),
        steps=(
            Say("who accompanied Putin?"),
            Expect(has=(DELEGATION,)),
            Say("Indonesia's central bank kept its benchmark rate at 6.25 percent on Wednesday, Governor Perry Warjiyo "
                "said, citing the need to keep the rupiah stable amid global uncertainty. The decision was in line with "
                "analysts' expectations."),
            Expect(has=("Saved",), lacks=(DELEGATION,)),
            Say("what rate did the central bank keep?"),
            Expect(has=("6.25 percent",), bold=("6.25 percent",), lacks=(DELEGATION,)),
        ),
    ),
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.story)
def test_adding(scenario: Scenario, scenario_bot) -> None:
    play(scenario, scenario_bot)

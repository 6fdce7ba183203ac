"""The key sentence of the first passage is the one that answers, even when another repeats more of the question.

The sentence that repeats the question's topic (the 2-1 lead, "412 children sickened", "700 homes", the headline) is
not the answer: the answer sentence holds something of the asked kind that the question lacks (a number beside the
counted noun, a name, a date) near the question's words, and the question's specific words ("premium", not
"medium").
"""

from __future__ import annotations

import pytest

from retrieval.ingest.documents import ArticleDraft
from tests.news import ARTICLES, POSTS

FOOTBALL = ArticleDraft(title="Timnas Indonesia kalahkan Vietnam", source="Bola", text=(
    "Timnas Indonesia mengalahkan Vietnam 2-1 dalam laga kualifikasi Piala Dunia di Stadion Utama Gelora Bung Karno, "
    "Jakarta, Selasa malam. Vietnam sempat unggul lebih dulu pada babak pertama. "
    "Gol kemenangan dicetak Marselino Ferdinan pada menit ke-78 setelah menerima umpan panjang. "
    "Pelatih tim memuji kerja keras para pemain sepanjang pertandingan."))
SYRUP = ArticleDraft(title="Cough syrup deaths", source="Wire", text=(
    "Health officials said 412 children sickened after taking the contaminated cough syrup were treated in hospitals "
    "across the province. Eleven children have died, the ministry said on Friday. "
    "The syrup's maker has recalled every batch sold since March and its factory was closed."))
SOLAR = ArticleDraft(title="Floating solar farm opens", source="Energy Desk", text=(
    "The floating solar farm on the Cirata reservoir will power about 700 homes in the nearby town. "
    "It cost $11 million, paid by a regional development fund and two private investors. "
    "Construction took eighteen months and employed local workers."))


@pytest.mark.parametrize(("question", "key"), [
    ("who scored the winning goal against Vietnam?", "Marselino Ferdinan"),
    ("how many children died after taking the cough syrup?", "Eleven children have died"),
    ("how much did the floating solar farm cost?", "$11 million"),
])
def test_the_first_passage_bolds_the_sentence_that_answers(library, question, key):
    assert key in bolded(library, (FOOTBALL, SYRUP, SOLAR), question)


def bolded(library, drafts: tuple[ArticleDraft, ...], question: str) -> str:
    """The key sentence of the first passage answering `question` once `drafts` are stored."""
    for number, draft in enumerate(drafts):
        library.add_article(draft, f"article-{number}")
    return library.ask(question).passages[0].key_sentence


def _post(name: str) -> ArticleDraft:
    """A channel post as stored from a forward: its first line is its title."""
    post = POSTS[name]
    return ArticleDraft(text=post.text, title=post.text.split("\n")[0], url=post.link, source=post.channel)


@pytest.mark.parametrize(("question", "key"), [
    ("berapa harga beras premium di Cipinang?", "Beras premium kini dijual Rp 16.200"),
    ("berapa denda pelanggar ganjil genap?", "Pelanggar akan didenda hingga Rp 500.000"),
    ("How many people fled the flood in East Jakarta?", "1.200 warga mengungsi"),
])
def test_news_questions_bold_the_answer_not_the_headline_or_a_neighbour(library, question, key):
    drafts = (ARTICLES["rice"], ARTICLES["flood"], _post("odd-even"), _post("zoo"))
    assert key in bolded(library, drafts, question)


REGENCY = ArticleDraft(title="Profil Kabupaten Sukamaju", source="Wiki Daerah", text=(
    "Sukamaju adalah kabupaten terluas ke-3 dan terpadat ke-5 di Provinsi Jawa Barat dengan 14 kecamatan. "
    "Kabupaten ini memiliki luas wilayah 1.902,37km² dan berpenduduk sekitar 1,7 juta jiwa. "
    "Sebagian besar penduduknya bekerja sebagai petani padi dan bawang merah."))
SONG = ArticleDraft(title="Lagu Kenangan Senja", source="Musik Kita", text=(
    "Kenangan Senja pertama kali dirilis pada tahun 1978 sebagai lagu tema film berjudul sama. "
    "Lagu itu kembali populer ketika dinyanyikan ulang oleh Rina Kartika pada era 1990-an. "
    "Liriknya ditulis oleh seorang penyair muda dari Bandung."))
PORT = ArticleDraft(title="Pelabuhan di pantai barat", source="Wiki Daerah", text=(
    "Pelabuhan utama di Sumatera Barat dibangun oleh pemerintah kolonial pada akhir abad ke-19 untuk batu bara. "
    "Setelah kemerdekaan namanya berubah menjadi Pelabuhan Teluk Bayur, pelabuhan samudra terbesar kala itu. "
    "Kini pelabuhan tersebut melayani ekspor semen dan minyak sawit."))


@pytest.mark.parametrize(("question", "key"), [
    ("berapakah luas Kabupaten Sukamaju?", "1.902,37km²"),
    ("Siapakah yang menyanyikan ulang lagu Kenangan Senja pada tahun 1990-an?", "Rina Kartika"),
    ("Apakah nama pelabuhan di Sumatera Barat?", "Teluk Bayur"),
])
def test_the_key_sentence_holds_what_the_question_word_asks(library, question, key):
    """A year inside the question does not make it a "when" question; "apakah nama" asks a name; an area written
    onto its number ("1.902,37km²") counts as one."""
    assert key in bolded(library, (REGENCY, SONG, PORT), question)


LANDSLIDE = ArticleDraft(title="Longsor di Cikarang Hilir", source="Kabar Daerah", text=(
    "Longsor di Desa Cikarang Hilir menimbun jalan desa sepanjang 200 meter pada Selasa pagi. "
    "Bencana itu terjadi karena hujan deras tiga hari berturut-turut dan tebing yang gundul. "
    "Warga bergotong royong membersihkan material longsor."))
BRIDGE = ArticleDraft(title="Footbridge collapse in Riverton", source="Metro Wire", text=(
    "The footbridge over the Riverton canal collapsed on Sunday evening, injuring four pedestrians. "
    "Engineers said the footbridge collapsed because its steel cables had rusted through after years without care. "
    "The city has closed two similar bridges for inspection."))


@pytest.mark.parametrize(("question", "key"), [
    ("apa penyebab longsor di Cikarang Hilir?", "karena hujan deras"),
    ("why did the Riverton footbridge collapse?", "because its steel cables had rusted"),
])
def test_a_question_asking_why_bolds_the_sentence_giving_the_cause(library, question, key):
    """"Penyebab"/"mengapa"/"why" asks a cause: the sentence saying "karena"/"because" answers it, not the one that
    repeats the event."""
    assert key in bolded(library, (LANDSLIDE, BRIDGE), question)


HIGHLAND = ArticleDraft(title="Kabupaten Lembah Hijau", source="Wiki Daerah", text=(
    "Kabupaten Lembah Hijau adalah salah satu kabupaten di Provinsi Sulawesi Tengah. "
    "Ibu kota kabupaten ini terletak di Sungai Batu. "
    "Kabupaten ini memiliki luas wilayah 9.672km² dan berpenduduk 323.626 jiwa. "
    "Pada tahun 1999 Kabupaten Lembah Hijau dimekarkan menjadi dua kabupaten."))


def test_a_sentence_pointing_back_with_ini_answers_and_a_year_is_no_count(library):
    """"Kabupaten ini" refers to the asked regency rather than naming another one, and "1999 Kabupaten" is a year,
    not a count of regencies: the area sentence is bolded."""
    assert "9.672km²" in bolded(library, (HIGHLAND,), "berapakah luas Kabupaten Lembah Hijau?")


LOWLAND = ArticleDraft(title="Kabupaten Pesisir Raya", source="Wiki Daerah", text=(
    "Di provinsinya, Pesisir Raya adalah kabupaten terluas ke-2 setelah Kabupaten Cilacap. "
    "Luas wilayah Pesisir Raya 1.902,37km², dengan penduduk sekitar 1,7 juta jiwa. "
    "Sebagian besar penduduknya bekerja sebagai petani bawang merah."))


def test_a_number_in_the_unit_of_the_asked_measure_outweighs_one_before_the_question_noun(library):
    """"Luas … 1.902,37km²" answers "berapakah luas …" more surely than "ke-2 setelah Kabupaten" does."""
    assert "1.902,37km²" in bolded(library, (LOWLAND,), "berapakah luas Kabupaten Pesisir Raya?")


def test_a_number_typed_without_thousands_separators_finds_the_sentence_writing_it_with_them(library):
    """People type "16200" for "Rp 16.200": the sentence with that price is the one the question points at."""
    assert "Beras premium kini dijual Rp 16.200" in bolded(library, (ARTICLES["rice"],),
                                                          "beras yang harganya 16200 itu jenis apa?")


def test_keywords_without_a_question_word_weigh_alike(library):
    """"harga beras 16200", typed as a search (inline, or a quick message), has no question word to tell which of its
    words it asks about: the figure counts as much as "harga beras", so the sentence with that price is bolded."""
    assert "Beras premium kini dijual Rp 16.200" in bolded(library, (ARTICLES["rice"],), "harga beras 16200")


@pytest.mark.parametrize(("question", "key"), [
    ("beras premium Rp 16.200, berapa harga beras medium?", "Rp 14.800"),
    ("selain 1.200 warga mengungsi, berapa RT yang terendam?", "merendam 40 RT"),
])
def test_a_figure_the_question_gives_is_not_taken_for_its_answer(library, question, key):
    """The figure a question states ("Rp 16.200", "1.200 warga") is what it knows, not what it asks."""
    assert key in bolded(library, (ARTICLES["rice"], ARTICLES["flood"]), question)


MUSEUM = ArticleDraft(title="Museum Bahari Nusantara", source="Wiki Budaya", text=(
    "Museum Bahari Nusantara dibuka pada 1977 dan kini menyimpan 1.800 koleksi kapal. "
    "Koleksinya dipamerkan di gedung seluas 4.500 meter persegi di tepi pelabuhan lama. "
    "Setiap tahun museum ini dikunjungi sekitar 90.000 orang."))


def test_an_area_in_square_metres_answers_how_large(library):
    """Indonesian writes an area as "meter persegi" (square metres): that number answers "berapa luas …", not the
    count of the collection beside the museum's name."""
    assert "4.500 meter persegi" in bolded(library, (MUSEUM,), "berapa luas Museum Bahari Nusantara?")


@pytest.mark.parametrize(("question", "key"), [
    ("how deep was the Garut earthquake?", "pada kedalaman 10 kilometer"),
    ("ganjil genap jam berapa saja?", "pukul 06.00-10.00"),
    ("ganjil genap jam berapakah?", "pukul 06.00-10.00"),
])
def test_how_deep_asks_a_measure_and_jam_berapa_asks_the_time_of_day(library, question, key):
    """"How deep" wants the number in the depth's unit, not the magnitude; "jam berapa" wants the clock time, not
    the day the rule starts."""
    assert key in bolded(library, (_post("quake"), _post("odd-even")), question)



BOOKSHOP = ArticleDraft(title="Toko Buku Sinar Jaya", source="Wiki Usaha", text=(
    "Lim Swie Hok, pendiri toko buku itu, genap berusia 88 tahun pekan ini. "
    "Selama 35 tahun ia memimpin Sinar Jaya sebelum menyerahkannya kepada putrinya. "
    "Toko Buku Sinar Jaya kini memiliki 40 cabang di Jawa Barat."))


def test_the_event_the_question_asks_about_outweighs_its_topic(library):
    """In "berapa tahun Lim Swie Hok memimpin Toko Buku Sinar Jaya?" the verb names what is measured: the sentence
    saying how long he led it answers, not the one naming him beside his age."""
    assert "Selama 35 tahun ia memimpin Sinar Jaya" in bolded(
        library, (BOOKSHOP,), "Berapa tahun Lim Swie Hok memimpin Toko Buku Sinar Jaya?")


FOOD = ArticleDraft(title="Target pangan pemerintah", source="Kabar Tani", text=(
    "Swasembada pangan menjadi target pemerintah sejak tahun 1984. "
    "Istilah itu berarti kemampuan sebuah negara memenuhi kebutuhan pangannya sendiri tanpa impor. "
    "Tahun ini produksi beras nasional naik tiga persen."))


@pytest.mark.parametrize("question", ["Apa yang dimaksud dengan swasembada pangan?", "apa arti swasembada pangan?"])
def test_berarti_defines_like_adalah(library, question):
    """"X berarti …" and "merujuk pada …" give a meaning as "adalah" does, so a "what is meant by" question bolds
    the meaning, not the sentence repeating the term."""
    assert "kemampuan sebuah negara" in bolded(library, (FOOD,), question)


SHUTTLE = ArticleDraft(title="Airport shuttle to Terminal 3", source="Metro Wire", text=(
    "The airport shuttle to Terminal 3 leaves every 15 minutes from the city bus station. "
    "The fare is Rp 10,000 for each trip, paid with a transit card. "
    "Buses run from 4 a.m. until midnight."))


def test_an_english_word_that_looks_prefixed_is_no_verb(library):
    """"terminal" starts like an Indonesian verb ("ter-minal"), but "minal" is no word: the question asks the fare,
    and the fare sentence is bolded, not the one naming the terminal."""
    assert "The fare is Rp 10,000" in bolded(library, (SHUTTLE,), "how much is the shuttle fare to the terminal?")

"""What counts as an article: the one rule every way of adding articles meets (forward, paste, upload, link, feed,
channel), so a friend's chat line is refused with a reason while short real news is kept."""

from __future__ import annotations

import json

import pytest

from retrieval.ingest.documents import ArticleDraft
from retrieval.ingest.substance import reads_like_article, substance_refusal
from retrieval.ingest.text import clean_text
from retrieval.library import Library
from retrieval.settings import Settings
from tests.conftest import SHARED_EVAL

PASTED = ("Harga beras medium di Pasar Induk Cipinang naik menjadi Rp 13.500 per kilogram pekan ini.\n"
          "Pedagang menyebut pasokan dari Jawa Tengah berkurang karena panen mundur dua pekan. "
          "Badan Pangan Nasional menyiapkan operasi pasar di 30 titik mulai Senin. "
          "Harga diperkirakan turun setelah panen raya pada akhir bulan.")


@pytest.mark.parametrize("remark, code", [
    ("siapa yang menang?", "question"),
    ("who won the match last night?", "question"),
    ("ok siap", "too_short"),
    ("udah sampai rumah nih", "chat_remark"),
    ("wkwk iya bener banget", "chat_remark"),
    ("wkwk serem", "chat_remark"),
    ("lol did you see that", "chat_remark"),
    ("Selamat pagi warga Jakarta! Jangan lupa sarapan ya 😊", "chat_remark"),
    ("Selamat malam semuanya, semoga istirahat kalian nyenyak dan besok penuh semangat.", "chat_remark"),
    ("Good morning everyone, have a lovely and productive day at work today.", "chat_remark"),
])
def test_a_persons_chat_line_is_not_an_article(remark: str, code: str) -> None:
    refusal = substance_refusal(remark, "forwarded post")
    assert refusal is not None and refusal.code == code


@pytest.mark.parametrize("news", [
    "Ganjil genap berlaku lagi di Jakarta mulai Senin.",
    "Ya, BI menahan suku bunga di 6,25 persen.",
    "Halo Jakarta: banjir surut di 12 RT.",
    "Selamat pagi, gempa M 5,0 guncang Cianjur pukul 05.12 WIB.",
    "Harga cabai naik ya di Pasar Induk Kramat Jati.",
    "Good evening: Jakarta floods ease in 12 neighbourhoods.",
    "Gempa M 5,2 guncang Cianjur\nBMKG mencatat pusat gempa di darat pada kedalaman 10 km.",
    "Pemerintah daerah membuka posko bantuan bagi warga yang terdampak banjir di tiga kecamatan.",
    "Pesaing Semakin Banyak, Pertamina Berusaha Kompetitif",
    "Siapa pemenang Pilkada? Hasil hitung cepat menunjukkan pasangan nomor 2 unggul 52 persen.",
])
def test_short_real_news_is_an_article(news: str) -> None:
    assert substance_refusal(news) is None


def test_no_passage_of_the_eval_corpora_is_refused() -> None:
    files = sorted(SHARED_EVAL.glob("*.corpus.jsonl"))
    if not files:
        pytest.skip(f"no eval sets in {SHARED_EVAL}")
    texts = [clean_text(json.loads(line)["text"]) for path in files for line in path.open(encoding="utf-8")]
    refused = [text for text in texts if substance_refusal(text) is not None]
    assert len(texts) > 2000 and refused == []


def test_the_library_refuses_a_chat_line_with_its_reason_and_stores_nothing(settings: Settings,
                                                                            hash_embedder) -> None:
    with Library(settings, hash_embedder) as library:
        result = library.add_article(ArticleDraft(text="siapa yang menang?", source="Budi"), "forwarded post")
        assert (result.status, result.error.code, result.error.message) == (
            "failed", "question", "it is a question, not an article")
        assert library.stats().articles == 0


def test_a_pasted_article_reads_like_one_and_a_long_question_does_not() -> None:
    assert reads_like_article(PASTED)
    assert not reads_like_article(PASTED + " Menurut kamu, apakah harga beras akan turun bulan depan?")
    assert not reads_like_article("siapa yang mendampingi Putin dalam kunjungan ke Pyongyang dan apa hasilnya?")


BRIEF = ("Indonesia's central bank kept its benchmark rate at 6.25 percent on Wednesday, Governor Perry Warjiyo said, "
         "citing the need to keep the rupiah stable amid global uncertainty. The decision was in line with analysts' "
         "expectations.")


def test_a_two_sentence_news_brief_pasted_whole_is_an_article():
    assert reads_like_article(BRIEF)


@pytest.mark.parametrize("message", [
    "Saya baca berita soal banjir di Kampung Melayu kemarin sore yang katanya parah sekali dan banyak warga terdampak. "
    "Tolong carikan berapa warga yang mengungsi dan di mana posko pengungsiannya berada sekarang ini ya.",
    "I read that the MRT extension to Kota was slowed down by something the workers found underground last month. "
    "Please find what exactly they found near the station and when the first trains will run there.",
    "Bank Indonesia menahan suku bunga acuan di level 6,25 persen pada Rabu untuk menjaga stabilitas rupiah di tengah "
    "ketidakpastian global yang masih tinggi. Bagaimana dampaknya terhadap cicilan KPR dan kredit kendaraan bulan ini?",
    "Banjir besar melanda Jakarta Timur kemarin malam dan merendam puluhan rumah warga di bantaran Kali Ciliwung. "
    "Berapa warga yang mengungsi ke masjid dan sekolah terdekat di sana sampai pagi ini",
])
def test_a_two_sentence_request_or_question_is_not_an_article(message):
    assert not reads_like_article(message)

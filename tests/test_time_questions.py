"""Questions about time, through the library with the real model: a named time restricts the passages to the
articles of those days, "terbaru"/"latest" puts the newest first, and a question that is only a time lists the
articles of that time."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from retrieval.answer import Certainty
from retrieval.ingest.documents import ArticleDraft
from retrieval.library import Library
from tests.corpus import RICE_TODAY, SOLAR_2023, SOLAR_2024


@pytest.fixture
def news(library):
    """A library with two dated stories about the Cirata solar farm and one undated article stored today."""
    for draft in (SOLAR_2023, SOLAR_2024, RICE_TODAY):
        library.add_article(draft)
    return library


def titles(answer) -> list[str]:
    return [p.article.title for p in answer.passages]


@pytest.mark.parametrize("question", ["what happened in May 2024?", "apa yang terjadi pada Mei 2024?"])
def test_a_month_question_lists_that_months_articles(news, question: str) -> None:
    answer = news.ask(question)
    assert answer.found and answer.by_date
    assert titles(answer) == [SOLAR_2024.title]


@pytest.mark.parametrize("question", ["berita apa saja yang masuk hari ini?", "what news came in today?"])
def test_todays_news_is_the_articles_stored_today(news, question: str) -> None:
    answer = news.ask(question)
    assert answer.found and titles(answer) == [RICE_TODAY.title]


@pytest.mark.parametrize("question", ["apa berita terbaru?", "what is the latest news?"])
def test_latest_news_lists_every_article_newest_first(news, question: str) -> None:
    answer = news.ask(question)
    assert answer.found and answer.by_date
    assert titles(answer) == [RICE_TODAY.title, SOLAR_2024.title, SOLAR_2023.title]


@pytest.mark.parametrize("question", ["berapa kapasitas PLTS terapung Cirata terbaru?",
                                      "what is the latest capacity of the Cirata floating solar plant?"])
def test_latest_on_a_topic_puts_the_newest_story_first(news, question: str) -> None:
    answer = news.ask(question)
    assert answer.by_date
    assert titles(answer)[:2] == [SOLAR_2024.title, SOLAR_2023.title]


@pytest.mark.parametrize("question", ["berapa kapasitas PLTS terapung Cirata pada tahun 2023?",
                                      "what capacity was the Cirata floating solar plant planned for in 2023?"])
def test_a_named_year_answers_from_that_years_story(news, question: str) -> None:
    answer = news.ask(question)
    assert titles(answer) == [SOLAR_2023.title]
    assert "145 megawatt" in answer.passages[0].text


def test_yesterday_is_read_against_now_in_the_readers_time_zone(library) -> None:
    now = datetime(2026, 12, 1, 20, 0, tzinfo=timezone.utc)
    library.add_article(ArticleDraft(title="Banjir Kemang", text="Banjir setinggi satu meter merendam Kemang, Jakarta "
                                     "Selatan, setelah hujan deras.", published_at=datetime(2026, 12, 1, 10, 0)))
    library.add_article(ArticleDraft(title="Banjir Bekasi", text="Banjir merendam ratusan rumah di Bekasi setelah "
                                     "tanggul jebol.", published_at=datetime(2026, 11, 30, 10, 0)))
    # 20:00 UTC is already 2 December in Jakarta: "kemarin" is 1 December
    assert titles(library.ask("di mana banjir kemarin?", now=now))[0] == "Banjir Kemang"


def test_since_and_until_restrict_an_ordinary_question(news) -> None:
    assert titles(news.ask("kapasitas PLTS terapung Cirata", until=date(2023, 12, 31))) == [SOLAR_2023.title]
    assert titles(news.ask("kapasitas PLTS terapung Cirata", since=date(2024, 1, 1)))[0] == SOLAR_2024.title


def test_a_year_no_article_falls_in_is_part_of_the_topic(news) -> None:
    answer = news.ask("berapa harga beras medium di Cipinang pada tahun 1998?")
    assert titles(answer)[0] == RICE_TODAY.title


def test_latest_on_a_topic_lists_its_articles_newest_first(news) -> None:
    assert [a.title for a in news.latest("PLTS terapung Cirata")] == [SOLAR_2024.title, SOLAR_2023.title]
    assert [a.title for a in news.latest()] == [RICE_TODAY.title, SOLAR_2024.title, SOLAR_2023.title]
    assert [a.title for a in news.latest(offset=1, limit=1)] == [SOLAR_2024.title]


def test_a_timeline_gives_each_storys_key_sentence_oldest_first(news) -> None:
    timeline = news.timeline("kapasitas PLTS terapung Cirata")
    assert titles(timeline) == [SOLAR_2023.title, SOLAR_2024.title]
    for passage, draft in zip(timeline.passages, (SOLAR_2023, SOLAR_2024)):
        assert passage.highlight is not None and passage.key_sentence in draft.text


def test_time_handling_can_be_switched_off(news) -> None:
    news.settings = news.settings.model_copy(update={"time_questions": False})
    assert not news.ask("apa yang terjadi pada Mei 2024?").by_date


def test_a_latest_question_answered_best_by_an_older_story_does_not_claim_date_order(library: Library) -> None:
    """"berapa kapasitas PLTS Cirata terbaru?": when the 2023 story answers clearly better than the 2024 one, it
    stays first, and the answer does not say it is sorted by date."""
    library.add_article(ArticleDraft(text=(
        "PLTS terapung Cirata di Purwakarta diresmikan Presiden. Ladang surya terapung itu berkapasitas 192 megawatt "
        "peak dan biayanya Rp1,7 triliun."), title="PLTS Terapung Cirata diresmikan", source="Antara",
        published_at=datetime(2024, 5, 14)))
    library.add_article(ArticleDraft(text=(
        "Pembangunan PLTS terapung Cirata di Purwakarta mencapai 60 persen. Ladang surya itu direncanakan "
        "berkapasitas 145 megawatt."), title="Pembangunan PLTS Terapung Cirata", source="Kompas",
        published_at=datetime(2023, 3, 2)))
    answer = library.ask("berapa kapasitas PLTS Cirata terbaru?")
    dates = [p.article.published_at for p in answer.shown]
    assert answer.by_date == (len(dates) > 1 and dates == sorted(dates, reverse=True))


def test_a_time_no_article_is_from_is_named_in_the_answer(news) -> None:
    """Nothing stored is from 'kemarin': the answer says which days were empty and offers the nearest passage."""
    later = datetime(2030, 1, 10, 5, 0, tzinfo=timezone.utc)
    answer = news.ask("berapa kapasitas PLTS terapung Cirata kemarin?", now=later)
    assert not answer.found and answer.passages
    assert (answer.empty_time.start, answer.empty_time.end) == (date(2030, 1, 9), date(2030, 1, 9))


def test_a_time_whose_articles_miss_the_topic_is_not_called_empty(news) -> None:
    """Today holds the rice article, which lacks the words asked: nothing was found, but today is not empty."""
    answer = news.ask("kapasitas PLTS terapung Cirata hari ini", mode="lexical")
    assert not answer.found and answer.empty_time is None


def test_a_question_about_a_year_nothing_was_published_in_is_answered_by_the_story_of_that_year(library) -> None:
    """'What happened in 1998?' with no article published in 1998 is still about 1998: the 2024 article telling of
    1998 answers it, rather than "no stored article is from 1998"."""
    library.add_article(ArticleDraft(text=(
        "Pada Mei 1998 ribuan mahasiswa menduduki gedung DPR di Jakarta dan menuntut reformasi. "
        "Presiden Soeharto mengundurkan diri pada 21 Mei 1998 setelah 32 tahun berkuasa. "
        "Peristiwa itu dikenang setiap tahun sebagai awal era Reformasi."),
        title="Mengenang Reformasi 1998", source="Kompas", published_at=datetime(2024, 5, 21)))
    answer = library.ask("apa yang terjadi pada tahun 1998?")
    assert answer.empty_time is None and answer.confidence is not Certainty.NOT_FOUND
    assert answer.passages[0].article.title == "Mengenang Reformasi 1998"


def test_an_undated_note_stored_now_is_newer_than_a_post_published_two_hours_ago(library) -> None:
    """Post times are on the readers' clock and storing times in UTC: compared on one clock, the note stored a
    moment ago lists before the Telegram post of two hours ago, in /latest and for "terbaru"."""
    library.add_article(ArticleDraft(text=(
        "Gempa bermagnitudo 4,1 mengguncang Sukabumi pada siang hari. BMKG menyatakan gempa tidak berpotensi "
        "tsunami dan warga diminta tetap tenang."), title="Gempa kecil guncang Sukabumi", source="Info BMKG",
        published_at=datetime.now(timezone.utc) - timedelta(hours=2)))
    library.add_article(ArticleDraft(text=(
        "Gempa susulan bermagnitudo 3,2 kembali terasa di Sukabumi sore ini. Warga sempat keluar rumah, namun tidak "
        "ada kerusakan yang dilaporkan."), title="Gempa susulan di Sukabumi", source="Catatan"))
    assert [a.title for a in library.latest()] == ["Gempa susulan di Sukabumi", "Gempa kecil guncang Sukabumi"]
    newest = library.ask("gempa Sukabumi terbaru")
    assert [p.article.title for p in newest.passages][:2] == ["Gempa susulan di Sukabumi",
                                                               "Gempa kecil guncang Sukabumi"]


@pytest.mark.parametrize("question", ["gempa dan tsunami palu 8 tahun yang lalu",
                                      "gempa dan tsunami palu 3000 tahun yang lalu"])
def test_an_event_some_years_ago_is_found_in_the_story_told_later(library, question: str) -> None:
    """'tsunami palu 8 tahun yang lalu' names when the quake struck, not when its story was published: with no
    article from 2018 the words are part of the topic and the 2024 story answers."""
    library.add_article(ArticleDraft(text=(
        "Enam tahun lalu gempa bermagnitudo 7,4 dan tsunami melanda Palu, Sulawesi Tengah, pada 28 September 2018. "
        "Lebih dari empat ribu orang meninggal dan warga kini membangun kembali kampung mereka."),
        title="Enam tahun gempa dan tsunami Palu", source="Kompas", published_at=datetime(2024, 9, 28)))
    answer = library.ask(question, now=datetime(2026, 12, 1, 5, 0, tzinfo=timezone.utc))
    assert answer.empty_time is None and answer.confidence is not Certainty.NOT_FOUND
    assert answer.passages[0].article.title == "Enam tahun gempa dan tsunami Palu"

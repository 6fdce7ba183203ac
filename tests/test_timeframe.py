"""Time words in a question become a range of publication days, read against a fixed today (Tuesday 1 Dec 2026)."""

from __future__ import annotations

from datetime import date

import pytest

from retrieval.ranking.timeframe import read_time

TODAY = date(2026, 12, 1)


@pytest.mark.parametrize(("question", "start", "end"), [
    ("berita apa saja yang masuk hari ini?", date(2026, 12, 1), date(2026, 12, 1)),
    ("apa yang terjadi kemarin di Jakarta?", date(2026, 11, 30), date(2026, 11, 30)),
    ("berita minggu lalu tentang banjir", date(2026, 11, 23), date(2026, 11, 29)),
    ("ada apa bulan lalu?", date(2026, 11, 1), date(2026, 11, 30)),
    ("pemilu tahun 2023", date(2023, 1, 1), date(2023, 12, 31)),
    ("banjir pada Mei 2024", date(2024, 5, 1), date(2024, 5, 31)),
    ("berita 3 hari terakhir", date(2026, 11, 29), date(2026, 12, 1)),
    ("ada berita apa sejak Senin?", date(2026, 11, 30), date(2026, 12, 1)),
    ("what is in the news today?", date(2026, 12, 1), date(2026, 12, 1)),
    ("what happened yesterday?", date(2026, 11, 30), date(2026, 11, 30)),
    ("floods last week", date(2026, 11, 23), date(2026, 11, 29)),
    ("what happened in May 2024?", date(2024, 5, 1), date(2024, 5, 31)),
    ("news since Monday", date(2026, 11, 30), date(2026, 12, 1)),
    ("elections this year", date(2026, 1, 1), date(2026, 12, 1)),
    ("PLTS Cirata 14 Mei 2024", date(2024, 5, 14), date(2024, 5, 14)),
    ("apa yang terjadi tanggal 29?", date(2026, 11, 29), date(2026, 11, 29)),
    ("berita tanggal 5", date(2026, 11, 5), date(2026, 11, 5)),
    ("banjir pada 29 November", date(2026, 11, 29), date(2026, 11, 29)),
    ("what happened on November 29?", date(2026, 11, 29), date(2026, 11, 29)),
    ("harga beras 15 Desember", date(2025, 12, 15), date(2025, 12, 15)),
    ("ada berita apa 3 hari lalu?", date(2026, 11, 28), date(2026, 11, 28)),
    ("what happened 2 days ago?", date(2026, 11, 29), date(2026, 11, 29)),
    ("berita kemarin lusa", date(2026, 11, 29), date(2026, 11, 29)),
    ("banjir 2 minggu yang lalu", date(2026, 11, 16), date(2026, 11, 22)),
    ("news from 2 months ago", date(2026, 10, 1), date(2026, 10, 31)),
])
def test_time_expressions_become_a_range_of_days(question: str, start: date, end: date) -> None:
    span = read_time(question, TODAY).range
    assert (span.start, span.end) == (start, end)
    assert span.contains(start) and span.contains(end) and not span.contains(date(2000, 1, 1))


def test_time_words_are_taken_out_of_the_searched_text() -> None:
    assert read_time("Apa yang terjadi kemarin di Jakarta?", TODAY).text == "Apa yang terjadi di Jakarta?"
    assert read_time("berapa kapasitas PLTS Cirata pada tahun 2023?", TODAY).text == "berapa kapasitas PLTS Cirata?"


def test_a_question_that_is_only_a_time_is_recognised() -> None:
    assert read_time("berita apa saja yang masuk hari ini?", TODAY).only_time
    assert read_time("what happened in May 2024?", TODAY).only_time
    assert read_time("apa berita terbaru?", TODAY).only_time
    assert not read_time("banjir pada Mei 2024", TODAY).only_time


def test_asking_for_the_newest_is_recency_not_a_range() -> None:
    latest = read_time("berapa kapasitas PLTS Cirata terbaru?", TODAY)
    assert latest.recent and latest.range is None and latest.text == "berapa kapasitas PLTS Cirata?"
    assert read_time("what's new on the solar farm?", TODAY).recent


def test_questions_without_time_are_left_as_they_are() -> None:
    plain = read_time("Apa nama latin dari harimau Sumatera?", TODAY)
    assert not plain.timed and plain.text == "Apa nama latin dari harimau Sumatera?"
    assert read_time("What happened between 1066-1070?", TODAY).range is None


def test_dates_named_outright_are_not_relative_to_today() -> None:
    assert not read_time("pada tahun 1998", TODAY).range.relative
    assert read_time("kemarin", TODAY).range.relative
    assert not read_time("tanggal 29", TODAY).range.relative
    assert not read_time("mulai 10 Juni", TODAY).range.relative
    assert read_time("3 hari lalu", TODAY).range.relative


@pytest.mark.parametrize("question", [
    "apa yang terjadi 3000 tahun yang lalu?", "peradaban 5000 tahun lalu", "1000000 hari lalu",
    "peradaban 5000 tahun terakhir", "1000000 hari terakhir", "candi berusia 500 tahun ini", "61 bulan lalu",
])
def test_a_count_too_large_for_a_publication_time_stays_part_of_the_topic(question: str) -> None:
    read = read_time(question, TODAY)
    assert read.range is None and read.text == question


@pytest.mark.parametrize("question", ["fosil manusia purba 700.000 tahun lalu", "gempa 1,5 hari lalu"])
def test_a_count_never_starts_inside_a_number(question: str) -> None:
    assert read_time(question, TODAY).range is None


def test_years_ago_may_be_the_time_of_the_event_so_they_are_named_outright() -> None:
    assert not read_time("gempa palu 8 tahun yang lalu", TODAY).range.relative
    assert not read_time("banjir 13 bulan lalu", TODAY).range.relative
    assert read_time("banjir 2 bulan lalu", TODAY).range.relative


@pytest.mark.parametrize(("question", "day"), [
    ("tanggal 29 Februari", date(2024, 2, 29)),
    ("what happened on Feb 29?", date(2024, 2, 29)),
    ("apa yang terjadi tanggal 29 bulan lalu?", date(2026, 11, 29)),
    ("berita tanggal 31", date(2026, 10, 31)),
])
def test_a_numbered_day_is_the_latest_such_day_that_exists(question: str, day: date) -> None:
    span = read_time(question, date(2026, 12, 30)).range
    assert (span.start, span.end) == (day, day)


@pytest.mark.parametrize("question", ["tanggal 30 Februari", "tanggal 31 April", "tanggal 30 Februari 2025",
                                      "tanggal 5 tahun lalu", "tanggal 5 minggu lalu"])
def test_a_day_that_cannot_be_read_names_no_time(question: str) -> None:
    read = read_time(question, TODAY)
    assert read.range is None and read.text == question


def test_lowercase_may_before_a_word_is_the_verb_not_the_month() -> None:
    assert read_time("how many may 5 people vote for", TODAY).range is None
    assert read_time("the top 5 may be wrong", TODAY).range is None
    assert read_time("what happened on may 5?", TODAY).range.start == date(2026, 5, 5)
    assert read_time("What happened on May 5 in Jakarta?", TODAY).range.start == date(2026, 5, 5)

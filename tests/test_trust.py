"""Right or plainly unsure: three outcomes for an answer, passages that earn their place, one passage per story."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timezone

import pytest

from bot import cli
from bot.render_html import render_answer as render_html
from bot.render_text import render_answer as render_text
from retrieval.answer import Answer, AnswerPassage, Certainty, Citation
from retrieval.asking.query import Query, Search, SearchMode
from retrieval.asking.selection import WorthReading
from retrieval.embedding.embedder import Embedder
from retrieval.ingest.documents import ArticleDraft
from retrieval.ranking.followup import resolve
from tests.conftest import sample_draft
from tests.fake_telegram import parse_html
from tests.corpus import OTHER_ARTICLES
from tests.news import ARTICLES

RICE = ArticleDraft(title="Harga beras naik di pasar tradisional", source="Kompas", text=(
    "Harga beras medium di pasar tradisional Jakarta naik menjadi Rp 14.500 per kilogram pada Senin.\n"
    "Kenaikan ini dipicu oleh berkurangnya pasokan dari sentra produksi di Jawa Tengah setelah musim kering.\n"
    "Pedagang di Pasar Induk Cipinang mengatakan harga beras premium kini mencapai Rp 16.000 per kilogram.\n"
    "Badan Pangan Nasional berjanji menggelar operasi pasar untuk menstabilkan harga dalam dua pekan ke depan."))


@pytest.fixture
def rice_library(library):
    """A small library: one post about the price of rice among a few articles on other topics."""
    for number, draft in enumerate((RICE, sample_draft(), *OTHER_ARTICLES)):
        library.add_article(draft, f"article-{number}")
    return library


@pytest.mark.parametrize("question", [
    "berapa harga cabai hari ini?",
    "what is the price of chili today?",
])
def test_a_question_about_chili_is_not_answered_from_the_rice_post(rice_library, question):
    answer = rice_library.ask(question)
    assert answer.confidence is not Certainty.FOUND and answer.found is False


@pytest.mark.parametrize("question", ["berapa harga beras medium di Jakarta?", "what is the price of rice in Jakarta?"])
def test_the_rice_post_answers_the_price_of_rice(rice_library, question):
    answer = rice_library.ask(question)
    assert answer.confidence is Certainty.FOUND and answer.found is True


def test_ask_json_carries_the_outcome_beside_found(settings, embedder, monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(Embedder, "from_settings", staticmethod(lambda *a, **k: embedder))
    post = tmp_path / "beras.txt"
    post.write_text(RICE.title + "\n" + RICE.text, encoding="utf-8")
    cli.main(["--data-dir", str(settings.data_dir), "ingest", str(post)])
    capsys.readouterr()
    cli.main(["--data-dir", str(settings.data_dir), "ask", "--json", "berapa harga cabai hari ini?"])
    answer = json.loads(capsys.readouterr().out)
    assert answer["confidence"] in ("unsure", "not_found") and answer["found"] is False


def test_the_same_story_stored_twice_is_one_passage_also_in_the_other_source(library):
    copy = replace(RICE, source="Detik", text="Laporan wartawan Detik.\n" + RICE.text)
    library.add_article(RICE, "rice")
    library.add_article(copy, "rice-copy")
    answer = library.ask("berapa harga beras premium di Pasar Induk Cipinang?")
    sources = [p.article.source for p in answer.passages]
    assert len(sources) == 1
    assert [c.source for c in answer.passages[0].also_in] == [{"Kompas": "Detik", "Detik": "Kompas"}[sources[0]]]


def test_a_republished_copy_with_a_dateline_and_one_more_dated_sentence_is_still_one_passage(library):
    """Same title, same wording; one copy opens with "JAKARTA, 5/6/2024 -", the other ends with a dated sentence
    more: figures only one side has, where the two start or end differently, are no correction."""
    with_dateline = replace(RICE, text="JAKARTA, 5/6/2024 - " + RICE.text)
    longer = replace(RICE, source="Detik", text=RICE.text + " Bulog akan mengumumkan hasilnya pada 12 Juni 2024.")
    library.add_article(with_dateline, "rice")
    library.add_article(longer, "rice-copy")
    answer = library.ask("berapa harga beras premium di Pasar Induk Cipinang?")
    assert len(answer.passages) == 1 and len(answer.passages[0].also_in) == 1


def passage(rank: int, score: float, body: str = "Isi.", also_in: tuple[Citation, ...] = ()) -> AnswerPassage:
    """A passage of article #rank with the given score."""
    citation = Citation(rank, f"Judul {rank}", None, f"Sumber {rank}", datetime(2024, 6, 19, tzinfo=timezone.utc))
    return AnswerPassage(rank, score, body, 0, len(body), citation, (rank,), None, also_in)


def worth_reading(settings, scores: list[float], certainty: Certainty) -> int:
    """How many of passages with these scores the worth-reading stage keeps."""
    query = Query("q", resolve("q", []), SearchMode.HYBRID, 3, 1, True, settings)
    search = Search(query, passages=[passage(i, s) for i, s in enumerate(scores, 1)], certainty=certainty)
    return WorthReading()(search).worth_reading


def test_passages_far_below_the_first_are_not_worth_reading(settings):
    margin = settings.passage_margin
    assert worth_reading(settings, [0.9, 0.9 - margin / 2, 0.9 - 2 * margin], Certainty.FOUND) == 2
    assert worth_reading(settings, [0.9, 0.9, 0.9], Certainty.UNSURE) == 3
    assert worth_reading(settings, [0.9, 0.9, 0.9], Certainty.NOT_FOUND) == 1


@pytest.mark.parametrize(("lang", "notice"), [("en", "I am not sure"), ("id", "Saya tidak yakin")])
def test_an_unsure_answer_says_so_before_the_passages_that_may_be_related(lang, notice):
    passages = [passage(1, 0.9), passage(2, 0.89)]
    html = parse_html(render_html(passages, Certainty.UNSURE, lang)[0])[0]
    plain = render_text(Answer("q", False, passages, certainty=Certainty.UNSURE), lang=lang)
    for shown in (html, plain):
        assert shown.startswith(notice) and "[1]" in shown and "[2]" in shown


def test_a_not_found_answer_is_one_line_and_the_nearest_passage_alone():
    passages = [passage(1, 0.9), passage(2, 0.89)]
    html = parse_html(render_html(passages, Certainty.NOT_FOUND, "en")[0])[0]
    plain = render_text(Answer("q", False, passages, certainty=Certainty.NOT_FOUND))
    for shown in (html, plain):
        assert shown.startswith("I found nothing about this") and "[1]" in shown and "[2]" not in shown


def test_a_passage_shows_the_other_sources_of_its_story():
    twin = Citation(9, "Judul lain", None, "Detik", None)
    html = parse_html(render_html([passage(1, 0.9, also_in=(twin,))], Certainty.FOUND, "id")[0])[0]
    plain = render_text(Answer("q", True, [passage(1, 0.9, also_in=(twin,))]))
    assert "juga di: Detik" in html and "also in: Detik" in plain


def test_the_command_line_shows_only_the_passages_worth_reading():
    answer = Answer("q", True, [passage(1, 0.9), passage(2, 0.5)], certainty=Certainty.FOUND, worth_reading=1)
    shown = render_text(answer)
    assert "[1]" in shown and "[2]" not in shown


TODAYS_RICE_NOTE = ArticleDraft(title="Beras di Cipinang hari ini", source="Kabar Pasar", text=(
    "Beras kualitas medium di Cipinang kini dibanderol 13.500 rupiah sekilo."))


@pytest.mark.parametrize("question", ["berapa harga beras 3 hari terakhir?", "harga beras minggu ini berapa?"])
def test_a_related_story_of_the_named_days_is_not_called_missing_for_an_older_one(library, question):
    """Today's short rice note is about the question even when the evidence leaves it unsure: the answer shows it,
    rather than saying no stored article about this is from those days and quoting last year's price."""
    library.add_article(ARTICLES["rice"])
    library.add_article(TODAYS_RICE_NOTE)
    answer = library.ask(question)
    assert answer.unanswered_time is None and answer.empty_time is None
    assert answer.passages[0].article.title == TODAYS_RICE_NOTE.title


def test_a_question_on_a_stored_storys_topic_that_it_does_not_answer_is_not_found_confidently(library):
    """The MRT story tells the line's length, stations and opening year, not its cost: "how much will the MRT
    extension cost?" may show it as related, never as the answer."""
    for name in ("putin", "rice", "mrt"):
        library.add_article(ARTICLES[name])
    assert library.ask("how much will the MRT extension cost?").confidence is not Certainty.FOUND

"""The ask pipeline: every stage reports its time, a stage added to it changes the ranking, the search modes
and ingest outcomes keep their plain names, and a follow-up is read in the light of the recent turn it is about."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

import pytest

from retrieval.asking.query import Search, SearchMode
from retrieval.asking.shorthand import written_out
from retrieval.ingest.documents import ArticleDraft
from retrieval.library import IngestStatus, Library
from retrieval.ranking.followup import HistoryTurn, asks_for_source, resolve
from retrieval.ranking.small_talk import SmallTalk, small_talk

FLOOD = ArticleDraft(title="Banjir di Bandung", source="Contoh.id", text=(
    "Hujan deras mengguyur Kota Bandung sejak Senin sore. Banjir setinggi 50 cm merendam 300 rumah di "
    "Kecamatan Dayeuhkolot. BPBD mengerahkan perahu karet untuk mengevakuasi warga."))
RICE = ArticleDraft(title="Harga beras naik", source="Contoh.id", text=(
    "Harga beras di Jakarta naik pekan ini. Pedagang di Pasar Induk Cipinang menyebut pasokan dari Bandung "
    "berkurang karena banjir. Pemerintah berjanji menambah stok beras."))
QUESTION = "banjir merendam rumah di Bandung"


@pytest.fixture
def two_articles(settings, hash_embedder):
    """A library (word-hashing embedder) holding a flood report and a rice-price report that mentions the flood."""
    with Library(settings, hash_embedder) as library:
        results = list(library.add_articles([("flood", FLOOD), ("rice", RICE)]))
        assert [r.status for r in results] == [IngestStatus.ADDED, IngestStatus.ADDED]
        yield library


@dataclass(frozen=True)
class PreferArticle:
    """A made-up ranking signal: one article's chunks score a whole point higher."""

    article_id: int
    name: str = "prefer-article"

    def __call__(self, search: Search) -> Search:
        owners = {cid: chunk.article_id for cid, chunk in search.stored.items()}
        return replace(search, scores={cid: score + (1.0 if owners.get(cid) == self.article_id else 0.0)
                                       for cid, score in search.scores.items()})


@pytest.mark.parametrize("mode", list(SearchMode))
def test_every_stage_of_each_mode_reports_how_long_it_took(two_articles, mode):
    answer = two_articles.ask(QUESTION, mode=mode)
    stages = [stage.name for stage in two_articles.pipelines[mode].stages]
    assert list(answer.timings) == stages
    assert "selection" in stages and all(seconds >= 0 for seconds in answer.timings.values())
    assert "timings" not in answer.as_dict()


def test_a_stage_added_to_the_pipeline_changes_the_ranking(two_articles):
    assert two_articles.ask(QUESTION).passages[0].article.title == FLOOD.title
    rice = next(a.id for a in two_articles.list() if a.title == RICE.title)
    hybrid = two_articles.pipelines[SearchMode.HYBRID]
    two_articles.pipelines[SearchMode.HYBRID] = hybrid.with_stage(PreferArticle(rice), after="followup")
    answer = two_articles.ask(QUESTION)
    assert answer.passages[0].article.title == RICE.title
    assert "prefer-article" in answer.timings


def test_search_modes_are_accepted_by_name_and_ingest_outcomes_print_as_words(two_articles):
    by_name = two_articles.ask(QUESTION, mode="lexical", highlight=False)
    by_member = two_articles.ask(QUESTION, mode=SearchMode.LEXICAL, highlight=False)
    assert [p.as_dict() for p in by_name.passages] == [p.as_dict() for p in by_member.passages]
    duplicate = two_articles.add_article(replace(FLOOD), "again")
    assert f"{duplicate.status}: #{duplicate.article_id}" == "duplicate: #1"
    assert json.dumps({"status": duplicate.status}) == '{"status": "duplicate"}'
    with pytest.raises(ValueError):
        two_articles.ask(QUESTION, mode="semantic")


PUTIN_TURN = HistoryTurn("siapa yang mendampingi Putin?", (1,),
                         "Delegasi Rusia antara lain Menteri Luar Negeri Sergei Lavrov dan Andrei Belousov")
RICE_TURN = HistoryTurn("berapa harga beras hari ini?", (2,), "Harga beras medium di Pasar Induk Cipinang naik")


@dataclass(frozen=True)
class KnownWords:
    """A library as a follow-up sees it: the stems of each article, and how many passages hold each word."""

    articles: dict[int, frozenset[str]]
    passages: dict[str, int]

    def article_words(self, article_id: int) -> frozenset[str]:
        return self.articles.get(article_id, frozenset())

    def names_something(self, word: tuple[str, str]) -> bool:
        return 0 < max(self.passages.get(stem, 0) for stem in word) <= 2

    def knows(self, word: tuple[str, str]) -> bool:
        return max(self.passages.get(stem, 0) for stem in word) > 0


LIBRARY = KnownWords({1: frozenset({"putin", "novak", "korea", "lavrov"}), 2: frozenset({"beras", "harga"})},
                     {"putin": 9, "korea": 5, "novak": 1, "lavrov": 1, "beras": 2, "harga": 4, "samosir": 1})


def test_a_followup_naming_someone_continues_the_recent_turn_that_holds_the_name_not_the_last_one():
    resolved = resolve("dan Lavrov?", [PUTIN_TURN, RICE_TURN], LIBRARY)
    assert resolved.is_followup and resolved.prefer_articles == {1} and not resolved.alone_first
    assert "Putin" in resolved.text and "beras" not in resolved.text


def test_a_lowercase_word_the_library_holds_in_few_passages_is_a_name_too():
    assert resolve("novak?", [PUTIN_TURN, RICE_TURN], LIBRARY).prefer_articles == {1}


def test_a_followup_naming_something_the_library_holds_but_no_recent_turn_does_is_answered_alone_first():
    assert resolve("dan Samosir?", [PUTIN_TURN, RICE_TURN], LIBRARY).alone_first
    assert not resolve("dan Medvedev?", [PUTIN_TURN, RICE_TURN], LIBRARY).alone_first


def test_a_rare_lowercase_word_no_recent_turn_holds_does_not_take_the_followup_away_from_the_conversation():
    """In a small library a plain word ('lagi') is as rare as a name; only a capital says it names something."""
    assert not resolve("siapa samosir?", [PUTIN_TURN, RICE_TURN], LIBRARY).alone_first


def test_a_followup_that_names_nothing_continues_the_latest_turn():
    resolved = resolve("sumbernya apa?", [PUTIN_TURN, RICE_TURN], LIBRARY)
    assert resolved.is_followup and resolved.prefer_articles == {2} and not resolved.alone_first


@pytest.mark.parametrize(("question", "about_source"), [
    ("sumbernya apa?", True), ("dari mana beritanya?", True), ("linknya mana?", True), ("what's the source?", True),
    ("where is this from?", True), ("sumber air bersih di Jakarta apa?", False),
    ("what is the source of the Nile?", False), ("dari mana Putin datang?", False),
])
def test_a_question_only_about_where_the_answer_came_from_is_told_apart_from_one_about_a_source(question,
                                                                                              about_source):
    assert asks_for_source(question) is about_source


@pytest.mark.parametrize(("message", "kind"), [
    ("makasih ya!", SmallTalk.THANKS), ("Thank you so much", SmallTalk.THANKS), ("Selamat pagi bot", SmallTalk.GREETING),
    ("hello", SmallTalk.GREETING), ("apa kabar?", SmallTalk.GREETING), ("ok 👍", SmallTalk.ACK), ("👍", SmallTalk.ACK), ("siapa yang menang?", None),
    ("ok, siapa yang mendampingi Putin?", None), ("Lavrov", None), ("dan Lavrov?", None),
    ("hi there, what can you do?", SmallTalk.HELP), ("halo, kamu bisa apa?", SmallTalk.HELP),
    ("gimana cara pakainya?", SmallTalk.HELP), ("halo makasih", SmallTalk.THANKS), ("ok makasih", SmallTalk.THANKS),
    ("oke, thanks a lot", SmallTalk.THANKS), ("oke mksh bgt", SmallTalk.THANKS), ("makasih banyak kak", SmallTalk.THANKS),
    ("thank u bot", SmallTalk.THANKS), ("ok, siapa yang menang?", None),
    ("tolong carikan berita banjir", None), ("help me find the flood news", None),
    ("halo, siapa yang mendampingi Putin?", None), ("?", None), ("😂😂😂", SmallTalk.ACK),
    ("Selamat pagi semua! Semoga harinya menyenangkan ya", SmallTalk.GREETING),
    ("Good morning, have a nice day!", SmallTalk.GREETING), ("semoga sehat selalu", SmallTalk.GREETING),
    ("selamat pagi, semoga harga beras turun?", None), ("pagi, harga cabai hari ini", None),
])
def test_thanks_greetings_a_bare_ok_and_asking_what_the_bot_does_are_told_apart_from_questions(message, kind):
    assert small_talk(message) is kind


def test_a_follow_up_continuing_an_older_turn_on_the_same_article_is_no_guess() -> None:
    """Two turns about one quake article: "jam berapa terjadinya?" matching the older turn's words stays on that
    article, so its answer may be confident; matching another article's older turn on a common word would not."""
    quake = HistoryTurn("gempa kapan terjadi?", (5,), "Gempa terjadi Senin pukul 21.05 WIB.")
    victims = HistoryTurn("berapa korban tewasnya?", (5,), "Dua orang tewas.")
    rice = HistoryTurn("harga beras naik menjadi berapa?", (3,), "Harga beras naik menjadi Rp 14.800.")
    assert not resolve("jam berapa terjadinya?", [quake, victims]).passed_over
    assert resolve("jam berapa menjadinya?", [rice, victims]).passed_over


def test_chat_shorthand_is_written_out_but_names_codes_and_links_stay() -> None:
    assert written_out("Brp denda ganjil genap? kpn mulai, yg 5 jt org itu?") == (
        "Berapa denda ganjil genap? kapan mulai, yang 5 juta orang itu?")
    assert written_out("sapa yg jd CEO skrg? trs gk ada yg protes?") == (
        "siapa yang jadi CEO sekarang? terus tidak ada yang protes?")
    assert written_out("Sapa yang menang?") == "Siapa yang menang?"
    for kept in ("Lion Air JT 610 jatuh di mana?", "saham KPN dan TDK naik?", "RB Leipzig menang?",
                 "apa isi example.org/brp?", "Prabowo sapa warga di mana?"):
        assert written_out(kept) == kept

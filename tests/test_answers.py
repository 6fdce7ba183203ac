"""Behaviour of answers on the user's sample article: first passage, key sentence, follow-ups, abstention."""

from __future__ import annotations

import pytest

from retrieval.answer import Certainty
from retrieval.ranking.followup import HistoryTurn, leans_on_history, order_within_articles, resolve
from tests.corpus import BELOUSOV, OTHER_ARTICLES


@pytest.mark.parametrize("question", ["siapa yang mendampingi Putin?", "who accompanied Putin?"])
def test_sample_questions_return_the_delegation_first(sample_library, question):
    """The user's example, in either language, is answered (found, not merely "may be related") with the
    delegation passage first: an English question's words the Indonesian library never saw ("accompanied") are
    untranslated, not missing."""
    answer = sample_library.ask(question)
    assert answer.passages
    assert BELOUSOV in answer.passages[0].text
    assert answer.confidence is Certainty.FOUND


def test_key_sentence_is_inside_the_passage_and_holds_the_answer(sample_library):
    answer = sample_library.ask("siapa yang mendampingi Putin?")
    passage = answer.passages[0]
    start, end = passage.highlight
    assert 0 <= start < end <= len(passage.text)
    assert "Andrei Belousov" in passage.key_sentence
    assert passage.key_sentence == passage.text[start:end]


def test_every_passage_gets_a_highlight_inside_it(sample_library):
    for passage in sample_library.ask("kapan Putin dan Kim bertemu di Vladivostok?", top_k=5).passages:
        start, end = passage.highlight
        assert 0 <= start < end <= len(passage.text)


def test_followup_in_a_conversation_finds_the_earlier_meeting(sample_library):
    sample_library.ask("siapa yang mendampingi Putin?", conversation="chat-1")
    answer = sample_library.ask("kapan mereka bertemu sebelumnya?", conversation="chat-1")
    assert answer.resolved_question is not None and answer.found
    assert "September 2023" in answer.passages[0].text and "Vladivostok" in answer.passages[0].text
    assert "Vladivostok" in answer.passages[0].key_sentence


def test_followup_with_explicit_history(sample_library):
    first = sample_library.ask("siapa yang mendampingi Putin?")
    top = first.passages[0]
    history = [HistoryTurn("siapa yang mendampingi Putin?", (top.article.id,), top.key_sentence)]
    answer = sample_library.ask("kapan mereka bertemu sebelumnya?", history=history)
    assert "Vladivostok" in answer.passages[0].text


def test_unrelated_question_is_not_found_but_lists_nearest_passages(sample_library):
    answer = sample_library.ask("bagaimana resep membuat rendang daging sapi yang empuk?")
    assert answer.found is False
    assert answer.passages


def test_sample_question_is_found(sample_library):
    assert sample_library.ask("siapa yang mendampingi Putin?").found is True


def test_standalone_question_is_not_pulled_towards_history(sample_library):
    for draft in OTHER_ARTICLES:
        sample_library.add_article(draft)
    first = sample_library.ask("siapa yang mendampingi Putin?")
    top = first.passages[0]
    history = [HistoryTurn("siapa yang mendampingi Putin?", (top.article.id,), top.key_sentence)]
    answer = sample_library.ask("Dinasti apa yang membangun Candi Borobudur?", history=history)
    assert answer.resolved_question is None
    assert "Syailendra" in answer.passages[0].text


@pytest.mark.parametrize("question", ["Kapan mereka bertemu?", "Murid-muridnya meneruskan gaya apa?",
                                      "Who did she replace?", "dan Lavrov?", "what about the Kremlin?",
                                      "Di mana kota tersebut?"])
def test_questions_that_lean_on_history(question):
    assert leans_on_history(question)


@pytest.mark.parametrize("question", ["Apa itu GPS?", "Siapa presiden pertama Indonesia?",
                                      "Mengapa harga minyak hanya naik sedikit?", "What is the capital of Japan?",
                                      "Indonesia's central bank kept its benchmark rate at 6.25 percent on Wednesday "
                                      "to keep the rupiah stable amid global uncertainty, so how will its decision "
                                      "affect mortgage payments this year?"])
def test_questions_that_stand_alone(question):
    assert not leans_on_history(question)
    assert resolve(question, [HistoryTurn("siapa yang mendampingi Putin?", (1,), "x")]).is_followup is False


def test_within_a_cited_article_the_followups_own_wording_orders_the_chunks_and_other_articles_keep_their_scores():
    scores = {1: 0.95, 2: 0.92, 3: 0.94}
    reordered = order_within_articles(scores, owners={1: 10, 2: 10}, own={1: 0.80, 2: 0.83})
    assert reordered[2] == 0.95 and reordered[1] < reordered[2]
    assert reordered[3] == 0.94


QUAKE = ("Gempa bermagnitudo 5,6 mengguncang Kabupaten Sukabumi, Jawa Barat, pada Kamis pukul 09.12 WIB. BMKG menyebut "
         "pusat gempa berada 24 kilometer barat daya Sukabumi pada kedalaman 10 kilometer. Sedikitnya 120 rumah rusak.")


def test_two_copies_of_one_story_found_first_by_the_two_searches_count_as_agreeing(library):
    """The word search may rank one copy of a story first and the vector search the other; folded into one passage,
    they still found the same story, which counts towards 'found' as when both found the same chunk."""
    from retrieval.asking.query import Query, SearchMode
    from retrieval.asking.selection import evidence, first_of
    from retrieval.ingest.documents import ArticleDraft
    from retrieval.ranking.followup import ResolvedQuestion

    for title, source in (("Gempa magnitudo 5,6 guncang Sukabumi", "infogempa"),
                          ("Gempa M5,6 di Sukabumi, 120 rumah rusak", "beritasukabumi")):
        library.add_article(ArticleDraft(text=f"{title}\n\n{QUAKE}", title=title, source=source))
    question = "gempa M5,6 guncang Sukabumi pukul berapa?"
    query = Query(question, ResolvedQuestion(question, False), SearchMode.HYBRID, 3, 1, True, library.settings, None)
    search, _ = library.pipelines[SearchMode.HYBRID].run(query)

    assert first_of(search.dense) != first_of(search.lexical)
    assert [len(p.also_in) for p in search.passages] == [1]
    assert evidence(search).agree


@pytest.mark.parametrize("typed, asked", [("terbaru tentang banjir?", "tentang banjir?"),
                                          ("banjir di Jakarta Timur hari ini?", "banjir di Jakarta Timur?"),
                                          ("what happened to the rupiah this week?", "what happened to the rupiah?")])
def test_a_question_naming_a_time_is_not_a_followup_for_its_time_words(typed, asked):
    """Its words are counted as typed, and 'ini'/'this' of 'hari ini'/'this week' point at a time, not back."""
    assert not resolve(asked, [HistoryTurn("when will the MRT reach Kota?", (1,), "x")], typed=typed).is_followup

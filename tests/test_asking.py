"""The ask pipeline: every stage reports its time, a stage added to it changes the ranking, and the search modes
and ingest outcomes keep their plain names."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

import pytest

from retrieval.asking.query import Search, SearchMode
from retrieval.ingest.documents import ArticleDraft
from retrieval.library import IngestStatus, Library

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

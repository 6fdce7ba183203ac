"""Golden questions: a fixed sample of dev questions over their passages and a few hundred distractors."""

from __future__ import annotations

import hashlib

import pytest

from retrieval.ingest.documents import ArticleDraft
from retrieval.evaluation.data import load_corpora, load_questions
from retrieval.evaluation.metrics import Tally, contains_answer, first_hit
from retrieval.settings import Settings
from tests.conftest import SHARED_EVAL

PER_SET = {"tydiqa-id": 20, "facqa-id": 20, "xling-en": 8}
DISTRACTORS = 200

pytestmark = pytest.mark.skipif(not SHARED_EVAL.is_dir(), reason="the shared evaluation folder is not available")


def _stable(key: str) -> str:
    """A stable pseudo-random order, independent of file order."""
    return hashlib.sha1(key.encode()).hexdigest()


@pytest.fixture(scope="module")
def question_sets():
    """Every dev question set, read once."""
    return load_questions(SHARED_EVAL)


@pytest.fixture(scope="module")
def golden(tmp_path_factory, embedder, question_sets):
    """The sampled questions, a library holding their passages plus distractors, and those passages' texts."""
    from retrieval.library import Library

    corpora = load_corpora(SHARED_EVAL)
    questions = [q for name, count in PER_SET.items()
                 for q in sorted(question_sets[name], key=lambda q: _stable(q.id))[:count]]
    by_id = {d.id: d for docs in corpora.values() for d in docs}
    gold = {q.doc for q in questions}
    distractors = sorted(corpora["distractors-id"], key=lambda d: _stable(d.id))[:DISTRACTORS]
    docs = [by_id[i] for i in sorted(gold)] + distractors
    folder = tmp_path_factory.mktemp("golden")
    library = Library(Settings(data_dir=folder / "data", _env_file=None), embedder)
    list(library.add_articles((d.id, ArticleDraft(text=d.text, title=d.title)) for d in docs))
    yield questions, library, [d.text for d in docs]
    library.close()


def _scores(library, questions, mode: str) -> tuple[Tally, list[bool], list[bool]]:
    """Ranks, key-sentence hits and found flags of the questions in one mode."""
    tally, key, found = Tally(), [], []
    for question in questions:
        answer = library.ask(question.question, top_k=10, mode=mode)
        tally.add(first_hit([p.text for p in answer.passages], question.answers))
        key.append(bool(answer.passages) and contains_answer(answer.passages[0].key_sentence, question.answers))
        found.append(answer.found)
    return tally, key, found


def test_golden_indonesian_questions(golden):
    questions, library, _ = golden
    indonesian = [q for q in questions if q.lang == "id"]
    hybrid, key, found = _scores(library, indonesian, "hybrid")
    lexical, _, _ = _scores(library, indonesian, "lexical")
    dense, _, _ = _scores(library, indonesian, "dense")
    assert hybrid.hit_at(1) >= 0.80
    assert hybrid.mrr() >= 0.85
    assert hybrid.hit_at(1) >= max(lexical.hit_at(1), dense.hit_at(1)) - 0.03
    assert sum(key) / len(key) >= 0.70
    # Shown as found, most others "unsure" (dev: found 0.79, unsure ≤ 0.20). The floor leaves room for one question
    # of 40 whose confidence sits on the threshold (one moved from 1.0725 to 1.0712 against 1.072 with int8 vectors).
    assert sum(found) / len(found) >= 0.65


def test_golden_english_questions_over_indonesian_passages(golden):
    questions, library, _ = golden
    english = [q for q in questions if q.lang == "en"]
    hybrid, _, found = _scores(library, english, "hybrid")
    assert hybrid.hit_at(1) >= 0.75
    assert sum(found) / len(found) >= 0.6


def test_golden_questions_whose_passage_is_not_stored_are_flagged_not_found(golden, question_sets):
    questions, library, texts = golden
    asked = {q.id for q in questions}
    outside = [q for name in ("tydiqa-id", "facqa-id")
               for q in sorted(question_sets[name], key=lambda q: _stable(q.id))[PER_SET[name]:PER_SET[name] + 30]
               if q.id not in asked and not any(contains_answer(text, q.answers) for text in texts)]
    flagged = [not library.ask(q.question).found for q in outside]
    assert len(outside) >= 40
    assert sum(flagged) / len(flagged) >= 0.84

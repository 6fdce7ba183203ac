"""`tanya eval` on a tiny synthetic evaluation folder: report shape and hit arithmetic."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from retrieval.embedding.embedder import Embedder
from retrieval.settings import Settings

from retrieval.evaluation import runner as evaluation
from retrieval.evaluation.metrics import Tally, contains_answer, first_hit

DOCS = [
    {"id": "d1", "title": "", "text": "Thomas Alva Edison menemukan bola lampu pijar pada tahun 1879 di Menlo Park."},
    {"id": "d2", "title": "", "text": "Candi Borobudur dibangun pada masa Dinasti Syailendra di Magelang."},
    {"id": "d3", "title": "", "text": "Danau Toba di Sumatera Utara adalah danau vulkanik terbesar di Indonesia."},
    {"id": "d4", "title": "", "text": "Rendang adalah masakan daging sapi berbumbu dari Minangkabau, Sumatera Barat."},
]
QUESTIONS = [
    {"id": "q1", "question": "Siapa yang menemukan bola lampu pijar?", "lang": "id",
     "answers": ["Thomas  ALVA edison"], "doc": "d1"},
    {"id": "q2", "question": "Dinasti apa yang membangun Candi Borobudur?", "lang": "id", "answers": ["Syailendra"],
     "doc": "d2"},
    {"id": "q3", "question": "Berapa kedalaman Danau Toba?", "lang": "id", "answers": ["505 meter"], "doc": "d3"},
]
UNANSWERABLE = [{"id": "u1", "question": "Siapa presiden pertama Brasil?", "lang": "id", "answers": [], "doc": None}]
CONVERSATION = {"id": "c1", "lang": "id", "corpus_lang": "id", "doc": "d1",
                "turns": [{"question": "Siapa yang menemukan bola lampu pijar?", "answers": ["Edison"]},
                          {"question": "Di mana dia menemukannya?", "answers": ["Menlo Park"], "standalone": "x"}]}


def _write(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


@pytest.fixture
def eval_folder(tmp_path: Path) -> Path:
    """A minimal evaluation folder in the shared format."""
    folder = tmp_path / "eval"
    folder.mkdir()
    _write(folder / "tiny-id.corpus.jsonl", DOCS)
    _write(folder / "tiny-id.questions.jsonl", QUESTIONS)
    _write(folder / "none-id-unanswerable.questions.jsonl", UNANSWERABLE)
    _write(folder / "followups.dev.jsonl", [CONVERSATION])
    return folder


def test_hits_are_case_and_space_insensitive():
    assert contains_answer("Ditemukan oleh Thomas Alva\nEdison.", ["thomas  alva edison"])
    assert not contains_answer("Ditemukan oleh Edison.", ["Thomas Alva Edison"])
    assert not contains_answer("apa saja", [""])
    assert first_hit(["tidak ada", "ada jawab di sini", "jawab"], ["JAWAB"]) == 2
    assert first_hit(["tidak ada"], ["jawab"]) is None


def test_tally_arithmetic():
    tally = Tally()
    for rank in (1, 2, None, 11):
        tally.add(rank)
    assert tally.hit_at(1) == 0.25
    assert tally.hit_at(5) == 0.5
    assert tally.mrr(10) == pytest.approx((1 + 0.5) / 4)
    assert tally.summary() == {"n": 4, "hit@1": 0.25, "hit@5": 0.5, "mrr@10": 0.375}


def test_eval_command_reports_every_metric(eval_folder, settings, embedder, monkeypatch, capsys):
    monkeypatch.setattr(Embedder, "from_settings", staticmethod(lambda *a, **k: embedder))
    args = argparse.Namespace(directory=str(eval_folder), json=True, cache=None, limit=None)
    assert evaluation.main(args, Settings(_env_file=None)) == 0
    report = json.loads(capsys.readouterr().out)
    tiny = report["sets"]["tiny-id"]
    assert set(tiny) >= {"hybrid", "lexical", "dense", "key_sentence@1", "flagged_not_found", "n"}
    for mode in ("hybrid", "lexical", "dense"):
        assert tiny[mode]["n"] == 3
        assert tiny[mode]["hit@1"] == pytest.approx(2 / 3, abs=1e-3)
        assert tiny[mode]["mrr@10"] == pytest.approx(2 / 3, abs=1e-3)
    assert "hybrid" not in report["sets"]["none-id-unanswerable"]
    assert report["sets"]["none-id-unanswerable"]["n"] == 1
    assert set(report["followups"]) == {"turn1", "turn2_with_history", "turn2_alone"}
    assert report["followups"]["turn2_with_history"]["hit@1"] == 1.0
    held_out = report["abstention"]["held_out"]["id"]
    assert held_out["out_of_library"]["n"] + held_out["answerable"]["n"] + held_out["skipped_answer_elsewhere"] == 3
    assert report["libraries"]["id"]["articles"] == 4
    assert report["latency"]["chunks"] == 4


def test_eval_reports_each_outcome_band_and_the_passages_worth_reading(eval_folder, settings, embedder, monkeypatch,
                                                                        capsys):
    monkeypatch.setattr(Embedder, "from_settings", staticmethod(lambda *a, **k: embedder))
    args = argparse.Namespace(directory=str(eval_folder), json=True, cache=None, limit=None)
    assert evaluation.main(args, Settings(_env_file=None)) == 0
    report = json.loads(capsys.readouterr().out)
    held_out = report["abstention"]["held_out"]["id"]
    for group in ("out_of_library", "answerable"):
        bands = held_out[group]["bands"]
        assert set(bands) == {"found", "unsure", "not_found"}
        assert held_out[group]["n"] == 0 or sum(bands.values()) == pytest.approx(1.0, abs=1e-3)
        assert held_out[group]["flagged"] == pytest.approx(bands["unsure"] + bands["not_found"], abs=1e-3)
    shown = report["sets"]["tiny-id"]["shown"]
    assert 1 <= shown["passages"] <= 3 and shown["hit"] <= shown["hit_top_k"]


def test_eval_table_is_readable(eval_folder, settings, embedder, monkeypatch, capsys):
    monkeypatch.setattr(Embedder, "from_settings", staticmethod(lambda *a, **k: embedder))
    args = argparse.Namespace(directory=str(eval_folder), json=False, cache=None, limit=2)
    assert evaluation.main(args, Settings(_env_file=None)) == 0
    table = capsys.readouterr().out
    assert "tiny-id" in table and "hybrid" in table and "BM25" in table and "dense" in table
    assert "follow-ups" in table and "abstention" in table and "latency" in table
    assert "unsure" in table and "passages shown" in table

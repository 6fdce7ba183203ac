"""The `tanya` command line, run in-process with the session's model and once as a real console script."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from retrieval.embedding.embedder import Embedder

from bot import cli
from tests.conftest import ROOT, SAMPLE

BELOUSOV = "Delegasi Rusia yang mendampingi Putin antara lain Menteri Pertahanan Andrei Belousov"


@pytest.fixture
def tanya(settings, embedder, monkeypatch, capsys):
    """Run `tanya ...` in-process against the test data directory; returns (exit code, stdout, stderr)."""
    monkeypatch.setattr(Embedder, "from_settings", staticmethod(lambda *a, **k: embedder))

    def run(*argv: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = cli.main(["--data-dir", str(settings.data_dir), *argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_ingest_reports_added_duplicates_and_failures_and_exits_non_zero(tanya, tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "article.md").write_text("# Hujan di Bandung\n\nHujan deras mengguyur Bandung. Banjir merendam 300 rumah.\n")
    (folder / "empty.txt").write_text("")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 20)
    (folder / "bad.jsonl").write_text('{"title": "Satu", "text": "Harga beras naik tajam di pasar induk."}\n{oops\n{"title": "Kosong", "text": ""}\n')
    code, out, err = tanya("ingest", str(folder), str(SAMPLE), str(SAMPLE))
    assert code == 1
    assert "added 3, duplicate 1, failed 4" in out
    assert "empty.txt" in err and "binary.txt" in err
    assert "bad.jsonl:2" in err and "not valid JSON" in err
    assert "bad.jsonl:3" in err and "no text" in err


def test_a_file_over_the_size_limit_is_refused_with_its_name(tanya, tmp_path, monkeypatch):
    monkeypatch.setenv("MAX_ARTICLE_BYTES", "1000")
    big = tmp_path / "big.txt"
    big.write_text("Judul\n" + "Kalimat panjang sekali. " * 200)
    code, out, err = tanya("ingest", str(big))
    assert code == 1 and "big.txt" in err and "larger than" in err


def test_ask_json_has_the_documented_shape(tanya):
    tanya("ingest", str(SAMPLE))
    code, out, _ = tanya("ask", "--json", "siapa yang mendampingi Putin?")
    answer = json.loads(out)
    assert code == 0 and answer["question"] == "siapa yang mendampingi Putin?" and answer["found"] is True
    assert answer["confidence"] == "found"
    first = answer["passages"][0]
    assert set(first) >= {"rank", "score", "text", "char_start", "char_end", "highlight", "article"}
    assert set(first["article"]) >= {"id", "title", "url", "source", "published_at"}
    assert first["rank"] == 1 and BELOUSOV in first["text"]
    key = first["text"][first["highlight"]["start"] : first["highlight"]["end"]]
    assert "Belousov" in key


def test_ask_reads_json_lines_and_keeps_conversations_apart(tanya):
    tanya("ingest", str(SAMPLE))
    lines = [
        {"question": "siapa yang mendampingi Putin?", "conversation": "a"},
        {"question": "kapan mereka bertemu sebelumnya?", "conversation": "a"},
        {"question": "kapan mereka bertemu sebelumnya?", "conversation": "b"},
    ]
    code, out, _ = tanya("ask", "--json", "-", stdin="\n".join(json.dumps(x) for x in lines) + "\n")
    answers = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(answers) == 3
    assert [a["question"] for a in answers] == [x["question"] for x in lines]


def test_ask_prints_numbered_citations(tanya):
    tanya("ingest", str(SAMPLE))
    code, out, _ = tanya("ask", "--top-k", "2", "siapa yang mendampingi Putin?")
    assert code == 0 and out.startswith("[1] ") and "Tribunnews.com" in out and "**" in out


def test_ask_shortens_a_long_passage_around_its_key_sentence_but_json_keeps_it_whole(tanya, monkeypatch):
    tanya("ingest", str(SAMPLE))
    monkeypatch.setenv("EXCERPT_CHARS", "200")
    _, out, _ = tanya("ask", "--top-k", "1", "siapa yang mendampingi Putin?")
    _, raw, _ = tanya("ask", "--json", "--top-k", "1", "siapa yang mendampingi Putin?")
    shown = out.split("    — ")[0]
    assert shown.startswith("[1] … ") and "**Delegasi Rusia yang mendampingi Putin" in shown
    assert len(" ".join(shown.split())) < len(json.loads(raw)["passages"][0]["text"]) / 2


def test_articles_delete_and_stats(tanya):
    tanya("ingest", str(SAMPLE))
    assert "Tribunnews.com" in tanya("articles")[1]
    assert json.loads(tanya("stats", "--json")[1])["articles"] == 1
    assert tanya("delete", "1")[0] == 0
    code, _, err = tanya("delete", "1")
    assert code == 1 and "no article #1" in err
    assert json.loads(tanya("stats", "--json")[1])["articles"] == 0


@pytest.mark.slow
def test_the_console_script_answers_the_users_example(tmp_path):
    env = {**os.environ, "TANYA_DATA_DIR": str(tmp_path / "data")}
    tanya_bin = Path(sys.executable).with_name("tanya")
    subprocess.run([str(tanya_bin), "ingest", str(SAMPLE)], check=True, env=env, cwd=tmp_path, capture_output=True)
    done = subprocess.run([str(tanya_bin), "ask", "--json", "siapa yang mendampingi Putin?"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, check=True)
    assert BELOUSOV in json.loads(done.stdout)["passages"][0]["text"]
    assert ROOT.exists()


def test_reindex_rechunk_resplits_articles_after_the_chunk_size_changed(tanya, monkeypatch):
    monkeypatch.setenv("CHUNK_WORDS", "60")
    tanya("ingest", str(SAMPLE))
    monkeypatch.setenv("CHUNK_WORDS", "200")
    code, out, _ = tanya("reindex", "--rechunk")
    assert code == 0 and "re-chunked 1 of 1 articles" in out
    assert "re-chunked 0 of 1 articles" in tanya("reindex", "--rechunk")[1]
    assert BELOUSOV in json.loads(tanya("ask", "--json", "siapa yang mendampingi Putin?")[1])["passages"][0]["text"]

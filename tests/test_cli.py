"""The `tanya` command line, run in-process with the session's model and once as a real console script."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from bot import cli
from retrieval.embedding.embedder import Embedder
from retrieval.library import Library
from retrieval.settings import Settings
from tests.conftest import ROOT, SAMPLE, sample_draft
from tests.corpus import BELOUSOV


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
def test_the_console_script_answers_the_users_example(tmp_path, embedder):
    """The installed `tanya` script opens a library (stored here, in-process, with the same model) and answers."""
    with Library(Settings(data_dir=tmp_path / "data", _env_file=None), embedder) as library:
        library.add_article(sample_draft(), str(SAMPLE))
    env = {**os.environ, "TANYA_DATA_DIR": str(tmp_path / "data")}
    tanya_bin = Path(sys.executable).with_name("tanya")
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


def test_ingest_from_stdin_reports_each_bad_line_with_its_reason_and_stores_the_rest(tanya):
    """Fields of the wrong kind, a line of 100,000 `[` and a line that is not JSON each fail on their own;
    the lines after them are still read and stored."""
    good = {"title": "Harga Beras", "text": "Harga beras naik tajam di pasar induk Cipinang pekan ini."}
    lines = [
        json.dumps(good),
        json.dumps({"text": "Berita satu tentang banjir.", "url": ["https://a.example/1"]}),
        json.dumps({"text": "Berita dua tentang gempa.", "source": {"name": "Kompas"}}),
        json.dumps({"text": "Berita tiga tentang panen.", "author": ["Ani", "Budi"]}),
        json.dumps({"text": "Berita empat tentang pemilu.", "language": ["id"]}),
        "[" * 100_000,
        json.dumps({"text": ["bukan", "teks"]}),
        json.dumps({"title": "Jalan Tol", "text": "Jalan tol baru di Sumatra dibuka untuk umum pada hari Senin.",
                    "id": 7, "language": "ID"}),
    ]
    code, out, err = tanya("ingest", "-", stdin="\n".join(lines) + "\n")
    assert code == 1 and "added 2, duplicate 0, failed 6" in out
    for number, field in [(2, "url"), (3, "source"), (4, "author"), (5, "language"), (7, "text")]:
        assert f"stdin:{number}: {field}:" in err, err
    assert "stdin:6: not valid JSON (nested too deeply)" in err
    assert "Traceback" not in err


def test_ingest_refuses_an_over_long_json_line_without_reading_it_whole(tanya, monkeypatch, tmp_path):
    """A JSON line longer than the article limit is refused by its line number while held only in pieces."""
    monkeypatch.setenv("MAX_ARTICLE_BYTES", "100000")
    bulk = tmp_path / "besar.jsonl"
    with bulk.open("w") as stream:
        stream.write('{"text": "' + "kata " * 4_000_000 + '"}\n')
        stream.write(json.dumps({"title": "Kecil", "text": "Artikel kecil sesudah baris raksasa tetap dibaca."}) + "\n")
    tracemalloc.start()
    try:
        code, out, err = tanya("ingest", str(bulk))
        peak_mb = tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()
    assert code == 1 and "added 1, duplicate 0, failed 1" in out
    assert "besar.jsonl:1: the line is longer than 100,000 characters" in err
    assert peak_mb < 15, f"reading the line peaked at {peak_mb:.0f} MB"


def test_ask_json_lines_answers_the_good_lines_and_gives_an_error_object_for_each_bad_one(tanya):
    tanya("ingest", str(SAMPLE))
    lines = ['{"question": null}', '{"question": ' + "[" * 99_000, "{oops",
             json.dumps({"question": "siapa yang mendampingi Putin?", "conversation": 5}), '{"question": "  "}']
    code, out, _ = tanya("ask", "--json", "-", stdin="\n".join(lines) + "\n")
    results = [json.loads(line) for line in out.splitlines()]
    assert code == 1 and len(results) == 5
    assert [r.get("error", {}).get("code") for r in results] == ["malformed", "malformed", "malformed", None, "no_question"]
    assert [r["line"] for r in results if "error" in r] == [1, 2, 3, 5]
    assert "question" in results[0]["error"]["message"] and "nested too deeply" in results[1]["error"]["message"]
    assert results[3]["question"] == "siapa yang mendampingi Putin?" and results[3]["found"] is True


def test_ask_plain_lines_report_a_bad_line_on_stderr_and_go_on(tanya):
    tanya("ingest", str(SAMPLE))
    code, out, err = tanya("ask", "-", stdin='{"question": null}\nsiapa yang mendampingi Putin?\n')
    assert code == 1 and "tanya: line 1: question:" in err and "Belousov" in out and "None" not in out


def test_ask_since_until_latest_and_timeline_on_the_command_line(tanya, tmp_path, capsys):
    stories = tmp_path / "cirata.jsonl"
    stories.write_text(
        '{"title": "Pembangunan PLTS Terapung Cirata", "published_at": "2023-03-02", "text": "Pembangunan PLTS '
        'terapung Cirata di Purwakarta mencapai 60 persen. Ladang surya itu direncanakan berkapasitas 145 megawatt."}\n'
        '{"title": "PLTS Terapung Cirata diresmikan", "published_at": "2024-05-14", "text": "Presiden meresmikan PLTS '
        'terapung Cirata di Purwakarta. Ladang surya terapung itu kini berkapasitas 192 megawatt peak."}\n')
    assert tanya("ingest", str(stories))[0] == 0
    code, out, _ = tanya("ask", "kapasitas PLTS terapung Cirata", "--until", "2023-12-31")
    assert code == 0 and "145 megawatt" in out and "192 megawatt" not in out
    code, out, _ = tanya("latest", "PLTS", "terapung", "Cirata")
    assert out.index("diresmikan") < out.index("Pembangunan")
    code, out, _ = tanya("timeline", "kapasitas PLTS terapung Cirata")
    assert out.index("2023-03-02") < out.index("2024-05-14")
    with pytest.raises(SystemExit) as refused:
        tanya("ask", "Cirata", "--since", "kemarin")
    assert refused.value.code == 2 and "not a date (YYYY-MM-DD): kemarin" in capsys.readouterr().err

"""Damaged index files: whatever happens to the files in DATA_DIR/index, every command still answers.

The database is the truth; an index file that cannot be read, or whose checksum or metadata disagree, is set aside
and rebuilt from the stored vectors, at start-up and in `tanya reindex`. Nothing in an index file is ever executed.
The commands run through the real CLI in this process, with the fast hash embedder standing in for the model.
"""

from __future__ import annotations

import io
import json
import pickle
import re
import shutil
from contextlib import redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from bot.cli import main as tanya
from crash_driver import make_articles
from retrieval.embedding.embedder import Embedder
from retrieval.indexes import lexical
from retrieval.ingest.documents import ArticleDraft
from retrieval.library import Library
from retrieval.settings import Settings

ARTICLES = 12


@dataclass(frozen=True)
class Pristine:
    """A data folder with a saved, healthy index, and questions each answered by one article at rank 1."""

    data_dir: Path
    questions: dict[str, str]
    chunks: int


@pytest.fixture(scope="module", params=["flat", "ivf-sq8"])
def pristine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, hash_embedder) -> Pristine:
    """Built once per index kind: an exact index, or an approximate one (as `tanya reindex --approximate` leaves)."""
    data_dir = tmp_path_factory.mktemp("pristine") / "data"
    articles = make_articles(ARTICLES, seed=11)
    with Library(Settings(data_dir=data_dir, _env_file=None), hash_embedder) as library:
        list(library.add_articles([(a.item, ArticleDraft(text=a.text, title=a.title)) for a in articles]))
        library.reindex(approximate=request.param != "flat")
        assert library.stats().index_kind == request.param
        chunks = library.stats().chunks
        questions = {a.question: a.title for a in articles
                     if library.ask(a.question, highlight=False).passages[0].article.title == a.title}
    assert len(questions) >= 3
    return Pristine(data_dir, dict(list(questions.items())[:3]), chunks)


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, hash_embedder):
    """Run `tanya ...` in this process (with the hash embedder as the model); returns (exit code, stdout)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("TANYA_DATA_DIR", raising=False)
    monkeypatch.setattr(Embedder, "from_settings", staticmethod(lambda *args, **kwargs: hash_embedder))

    def run(data_dir: Path, *args: str) -> tuple[int, str]:
        out = io.StringIO()
        with redirect_stdout(out):
            code = tanya(["--data-dir", str(data_dir), *args])
        return code, out.getvalue()

    return run


def copy_of(pristine: Pristine, into: Path) -> Path:
    """A fresh copy of the pristine data folder."""
    shutil.rmtree(into, ignore_errors=True)
    shutil.copytree(pristine.data_dir, into)
    return into


def index_files(data_dir: Path) -> list[Path]:
    """The index files a process keeps (whatever their format), not its lock file."""
    return sorted(p for p in (data_dir / "index").iterdir() if p.is_file() and not p.name.startswith("."))


def assert_every_command_answers(cli, data_dir: Path, pristine: Pristine) -> None:
    """stats, ask and reindex all work and agree with the database; a second start needs no repair."""
    code, out = cli(data_dir, "stats", "--json")
    assert code == 0 and json.loads(out)["chunks"] == pristine.chunks
    for question, title in pristine.questions.items():
        code, out = cli(data_dir, "ask", "--json", question)
        assert code == 0 and json.loads(out)["passages"][0]["article"]["title"] == title, question
    with Library(Settings(data_dir=data_dir, _env_file=None), Embedder.from_settings(None)) as reopened:
        assert reopened.repair_note is None, "one automatic repair must be enough"
        stored = reopened.repo.chunk_ids()
        assert sorted(reopened.indexes.vectors.ids().tolist()) == stored
        assert sorted(reopened.indexes.lexical.ids().tolist()) == stored
    code, out = cli(data_dir, "reindex")
    assert code == 0 and f"re-indexed {pristine.chunks} chunks" in out
    question, title = next(iter(pristine.questions.items()))
    code, out = cli(data_dir, "ask", "--json", question)
    assert json.loads(out)["passages"][0]["article"]["title"] == title


DAMAGE = st.one_of(
    st.tuples(st.just("truncate"), st.floats(0.0, 0.999)),
    st.tuples(st.just("flip"), st.lists(st.tuples(st.floats(0.0, 0.999), st.integers(1, 255)), min_size=1, max_size=64)),
    st.tuples(st.just("empty")),
    st.tuples(st.just("garbage"), st.binary(min_size=1, max_size=2048)),
    st.tuples(st.just("append"), st.binary(min_size=1, max_size=64)),
)


def damage(path: Path, how: tuple) -> None:
    """Truncate, flip bytes of, empty, replace with garbage or append to one file."""
    data = bytearray(path.read_bytes())
    if how[0] == "truncate":
        data = data[: int(len(data) * how[1])]
    elif how[0] == "flip":
        for where, mask in how[1]:
            data[int(len(data) * where)] ^= mask
    elif how[0] == "empty":
        data = bytearray()
    elif how[0] == "garbage":
        data = bytearray(how[1])
    else:
        data += how[1]
    path.write_bytes(bytes(data))


@hypothesis_settings(max_examples=40, deadline=None, derandomize=True,
                     suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_every_command_answers_after_random_damage_to_any_index_file(pristine, cli, tmp_path, data) -> None:
    data_dir = copy_of(pristine, tmp_path / "data")
    files = index_files(data_dir)
    chosen = data.draw(st.lists(st.sampled_from(files), min_size=1, max_size=len(files), unique=True), label="files")
    for path in chosen:
        damage(path, data.draw(DAMAGE, label=path.name))
    assert_every_command_answers(cli, data_dir, pristine)
    set_aside = {p.name.removesuffix(".damaged") for p in (data_dir / "index").glob("*.damaged")}
    assert set_aside == {p.name for p in chosen}


def test_one_changed_byte_in_the_lexical_index_is_set_aside_with_a_log_line_and_rebuilt(pristine, cli, tmp_path, caplog):
    data_dir = copy_of(pristine, tmp_path / "data")
    lexical = next(p for p in index_files(data_dir) if p.name.startswith("lexical"))
    damage(lexical, ("flip", [(0.5, 0x10)]))
    with caplog.at_level("WARNING"):
        assert_every_command_answers(cli, data_dir, pristine)
    assert f"{lexical.name} cannot be used: checksum mismatch; set aside" in caplog.text


def test_tanya_reindex_sets_aside_and_rebuilds_damaged_files_too(pristine, cli, tmp_path):
    data_dir = copy_of(pristine, tmp_path / "data")
    for path in index_files(data_dir):
        damage(path, ("garbage", b"\x80\x04K\x01."))
    code, out = cli(data_dir, "reindex", "--approximate")
    assert code == 0 and f"re-indexed {pristine.chunks} chunks (ivf-sq8 index)" in out
    assert {p.name for p in (data_dir / "index").glob("*.damaged")} == {"lexical.idx.damaged", "vectors.idx.damaged"}
    assert_every_command_answers(cli, data_dir, pristine)


class MarkerBomb:
    """Unpickling this creates a marker file: the proof that loading a file ran code."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return open, (str(self.marker), "w")


def test_a_pickle_in_place_of_an_index_file_is_never_executed_and_the_index_is_rebuilt(pristine, cli, tmp_path, caplog):
    data_dir = copy_of(pristine, tmp_path / "data")
    marker = tmp_path / "pickle-was-executed"
    bomb = pickle.dumps({"vocab": MarkerBomb(marker)})
    for name in ("lexical.pkl", "lexical.idx", "vectors.idx"):
        (data_dir / "index" / name).write_bytes(bomb)
    with caplog.at_level("WARNING"):
        assert_every_command_answers(cli, data_dir, pristine)
    assert not marker.exists(), "loading an index file ran the code a pickle carried"
    assert not (data_dir / "index" / "lexical.pkl").exists()
    assert "lexical.idx cannot be used" in caplog.text and "vectors.idx cannot be used" in caplog.text


def test_an_index_folder_of_the_old_pickled_format_is_rebuilt_without_reading_it(pristine, cli, tmp_path):
    data_dir = copy_of(pristine, tmp_path / "data")
    marker = tmp_path / "pickle-was-executed"
    for path in index_files(data_dir):
        path.unlink()
    (data_dir / "index" / "lexical.pkl").write_bytes(pickle.dumps(MarkerBomb(marker)))
    (data_dir / "index" / "vectors.json").write_text("[]")
    (data_dir / "index" / "vectors.faiss").write_bytes(b"IxM2")
    assert_every_command_answers(cli, data_dir, pristine)
    assert not marker.exists()
    assert {p.name for p in index_files(data_dir)} == {"lexical.idx", "vectors.idx"}


def test_temporary_files_left_by_a_killed_save_are_removed_at_start(pristine, cli, tmp_path):
    data_dir = copy_of(pristine, tmp_path / "data")
    orphans = [data_dir / "index" / ".vectors.idx.999999.tmp", data_dir / "index" / ".lexical.idx.999999.tmp"]
    for orphan in orphans:
        orphan.write_bytes(b"half a save")
    assert_every_command_answers(cli, data_dir, pristine)
    assert not any(orphan.exists() for orphan in orphans)


def test_an_index_file_of_another_kind_or_size_is_set_aside(pristine, cli, tmp_path, caplog):
    """A sound file in the wrong place (the lexical index where the vectors belong) is refused by its metadata."""
    data_dir = copy_of(pristine, tmp_path / "data")
    folder = data_dir / "index"
    shutil.copy(folder / "lexical.idx", folder / "vectors.idx")
    with caplog.at_level("WARNING"):
        assert_every_command_answers(cli, data_dir, pristine)
    assert "vectors.idx cannot be used: holds 'lexical'" in caplog.text



def test_an_index_saved_with_older_terms_is_rebuilt_so_a_number_typed_without_dots_finds_it(tmp_path, monkeypatch,
                                                                                               hash_embedder):
    """An upgrade that changes how text becomes terms ("Rp16.200" was the terms "rp16" and "200", now "rp" and
    "16200") rebuilds the saved word index at the next start instead of searching terms no question produces any
    more."""
    data_dir = tmp_path / "data"
    settings = Settings(data_dir=data_dir, _env_file=None)
    rice = ArticleDraft(title="Harga beras", text="Beras premium kini dijual Rp16.200 per kilogram di Cipinang. "
                                                  "Beras medium dijual Rp 14.800 per kilogram.")
    with monkeypatch.context() as older:
        older.setattr(lexical, "TERMS_VERSION", 1)
        older.setattr(lexical, "words", lambda text: re.findall(r"\w+", text.lower()))
        with Library(settings, hash_embedder) as library:
            library.add_article(rice, "rice")
            assert library.ask("mana yang 16200?", mode="lexical").passages == []
    with Library(settings, hash_embedder) as library:
        assert [p.article.title for p in library.ask("mana yang 16200?", mode="lexical").passages] == ["Harga beras"]
        assert sorted(library.indexes.lexical.ids().tolist()) == library.repo.chunk_ids()

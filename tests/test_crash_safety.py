"""Crash safety: what the library reported as stored survives SIGKILL, and concurrent ingest stays consistent.

The crash test runs tests/crash_driver.py as a separate process that ingests a deterministic batch of
synthetic Indonesian/English articles and fsyncs one report line per article it was told was 'added'.
The test kills it with SIGKILL at seeded random moments, reopens the data directory (which repairs the
indexes against the database), and checks the promises the library makes:

* every article reported stored is in the database, with its exact text and all its chunks,
  and is answerable: a question built from its own distinctive sentence finds it among the top passages;
* the vector and lexical indexes hold exactly the database's chunk ids (none missing, none extra, none twice);
* the SQLite file passes integrity_check; no article is stored twice or without its chunks.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from crash_driver import SyntheticArticle, make_articles
from retrieval.ingest.chunking import chunk_text
from retrieval.ingest.documents import ArticleDraft
from retrieval.library import Library
from retrieval.settings import Settings
from retrieval.ingest.text import clean_text
from storage.database import integrity_ok

DRIVER = Path(__file__).with_name("crash_driver.py")
ARTICLES = 160
SEED = 7
KILL_ROUNDS = 4
BATCH = 8
START_TIMEOUT = 180.0
ROUND_TIMEOUT = 120.0
FINAL_TIMEOUT = 300.0
FINAL_ANSWER_SAMPLE = 40


@dataclass
class Round:
    """What one driver process did before it died (or finished)."""

    number: int
    killed: bool
    save_each_batch: bool
    added: dict[str, tuple[int, int]] = field(default_factory=dict)
    duplicates: dict[str, int] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)
    committed_unreported: list[str] = field(default_factory=list)
    pause_at: str | None = None
    done: bool = False
    seconds: float = 0.0
    repair_note: str | None = None


def report_lines(path: Path) -> list[list[str]]:
    """The complete (newline-terminated) lines of a driver report, split into fields."""
    if not path.exists():
        return []
    return [line.split("\t") for line in path.read_text(encoding="utf-8").split("\n")[:-1]]


def wait_for(predicate, timeout: float, process: subprocess.Popen | None = None, step: float = 0.05) -> bool:
    """Poll until predicate() holds, the process exits, or the timeout passes; returns predicate()."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        if process is not None and process.poll() is not None:
            return predicate()
        time.sleep(step)
    return predicate()


def run_driver(data_dir: Path, report: Path, log: Path, number: int, rng: random.Random | None,
               save_each_batch: bool, pause_at: str | None = None) -> Round:
    """Start the driver; with an rng, SIGKILL it at a random moment during ingest (or, with pause_at, right
    after a commit / between the two index saves, where the driver announces it waits), else let it finish."""
    command = [sys.executable, str(DRIVER), "--data-dir", str(data_dir), "--report", str(report),
               "--count", str(ARTICLES), "--seed", str(SEED), "--batch", str(BATCH)]
    if save_each_batch:
        command.append("--save-each-batch")
    if pause_at:
        command += ["--pause-at", pause_at]
    started = time.monotonic()
    with open(log, "ab") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, cwd=data_dir.parent)
    try:
        lines = lambda: report_lines(report)  # noqa: E731
        if not wait_for(lambda: any(f[0] == "ready" for f in lines()), START_TIMEOUT, process):
            pytest.fail(f"round {number}: the driver never opened the library\n{log.read_text(errors='replace')[-3000:]}")
        if pause_at:
            announced = {"commit": "committed", "save": "saving"}[pause_at]
            if not wait_for(lambda: any(f[0] == announced for f in lines()), ROUND_TIMEOUT, process):
                pytest.fail(f"round {number}: the driver never reached the {pause_at} pause")
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        elif rng is not None:
            # Kill after a random number of newly reported articles plus a random extra delay, so the
            # kill lands anywhere: while embedding, inside a commit, between commit and index update,
            # while saving the indexes, or while skipping articles an earlier round already stored.
            target, extra = rng.randint(0, 24), rng.uniform(0.0, 2.5)
            wait_for(lambda: sum(f[0] == "added" for f in lines()) >= target or any(f[0] == "done" for f in lines()),
                     ROUND_TIMEOUT, process)
            time.sleep(extra)
            if process.poll() is None:
                os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        else:
            process.wait(timeout=FINAL_TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    outcome = Round(number, killed=rng is not None and process.returncode == -signal.SIGKILL,
                    save_each_batch=save_each_batch, pause_at=pause_at, seconds=time.monotonic() - started)
    for fields in report_lines(report):
        if fields[0] == "added":
            outcome.added[fields[1]] = (int(fields[2]), int(fields[3]))
        elif fields[0] == "duplicate":
            outcome.duplicates[fields[1]] = int(fields[2])
        elif fields[0] == "failed":
            outcome.failed.append("\t".join(fields[1:]))
        elif fields[0] == "done":
            outcome.done = True
        elif fields[0] == "committed":
            outcome.committed_unreported.append(fields[1])
    if rng is None:
        assert process.returncode == 0, log.read_text(errors="replace")[-3000:]
    return outcome


class PrecomputedQueries:
    """The session's model with every article's question embedded up front in one batch (much cheaper than
    one by one); everything else goes to the real model."""

    def __init__(self, inner, questions: list[str]) -> None:
        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        self._known = dict(zip(questions, inner.queries(questions)))

    def query(self, text: str):
        return self._known[text] if text in self._known else self.inner.query(text)

    def __getattr__(self, name: str):
        return getattr(self.inner, name)


def check_library(settings: Settings, embedder, articles: dict[str, SyntheticArticle],
                  reported: dict[str, tuple[int, int]], ask_items: list[str]) -> str | None:
    """Reopen the data directory and check every promise; returns the start-up repair note."""
    library = Library(settings, embedder)
    try:
        assert integrity_ok(library.engine), "SQLite integrity_check failed"
        stored_chunks = library.repo.chunk_ids()
        assert sorted(library.indexes.vectors.ids().tolist()) == stored_chunks, "vector index differs from the database"
        assert sorted(library.indexes.lexical.ids().tolist()) == stored_chunks, "lexical index differs from the database"

        by_title = {a.title: a for a in articles.values()}
        stored = library.repo.list_articles(0, 10 * len(articles))
        titles = [a.title for a in stored]
        assert len(titles) == len(set(titles)), "an article is stored twice"
        for article in stored:
            assert article.title in by_title, f"unexpected article {article.title!r}"
            expected = chunk_text(clean_text(by_title[article.title].text))
            chunks = library.repo.article_chunks(article.id)
            assert [(c.char_start, c.char_end) for c in chunks] == [(p.start, p.end) for p in expected], (
                f"article #{article.id} was stored without all of its chunks")

        for item, (article_id, chunk_count) in reported.items():
            info = library.get(article_id)
            assert info is not None, f"{item} was reported stored as #{article_id} but is gone"
            assert info.title == articles[item].title and info.text == clean_text(articles[item].text)
            assert info.chunks == chunk_count

        unanswered = []
        for item in ask_items:
            article_id = reported[item][0]
            answer = library.ask(articles[item].question, top_k=5, highlight=False)
            if article_id not in [p.article.id for p in answer.passages]:
                unanswered.append((item, articles[item].question, [p.article.title for p in answer.passages]))
        assert not unanswered, f"stored articles not found by their own question: {unanswered[:5]}"
        return library.repair_note
    finally:
        library.close()


@pytest.mark.slow
@pytest.mark.parametrize("settings", ["sqlite"], indirect=True)  # SIGKILL vs. the SQLite file is the risk under test
def test_articles_reported_stored_survive_sigkill_and_are_answerable(settings: Settings, embedder, tmp_path: Path) -> None:
    """Several SIGKILL rounds on one data directory, each checked on restart, then a clean final run."""
    articles = {a.item: a for a in make_articles(ARTICLES, SEED)}
    embedder = PrecomputedQueries(embedder, [a.question for a in articles.values()])
    rng = random.Random(20261126)
    log = tmp_path / "driver.log"
    reported: dict[str, tuple[int, int]] = {}
    checked: set[str] = set()
    rounds: list[Round] = []
    started = time.monotonic()

    # Rounds 1 and 3 are killed at random moments; round 2 right after a commit, before the indexes hear of
    # it and before it is reported; round 4 between saving the vector index and saving the lexical one.
    pauses = {2: "commit", 4: "save"}
    for number in range(1, KILL_ROUNDS + 2):
        final = number == KILL_ROUNDS + 1
        outcome = run_driver(settings.data_dir.resolve(), tmp_path / f"report-{number}.tsv", log, number,
                             None if final else rng, save_each_batch=number % 2 == 0, pause_at=pauses.get(number))
        assert not outcome.failed, f"round {number}: articles failed: {outcome.failed}"
        for item, (article_id, chunks) in outcome.added.items():
            assert item not in reported, f"{item} was reported 'added' twice (#{reported[item][0]}, #{article_id})"
            reported[item] = (article_id, chunks)
        for item, article_id in outcome.duplicates.items():
            if item in reported:
                assert reported[item][0] == article_id, f"{item} changed id from #{reported[item][0]} to #{article_id}"
        fresh = [item for item in reported if item not in checked]
        outcome.repair_note = check_library(settings, embedder, articles, reported, fresh)
        if outcome.pause_at == "commit":
            # Committed but killed before the index update and the report: it must be stored and indexed now.
            assert outcome.committed_unreported and "missing" in (outcome.repair_note or "")
            with Library(settings, embedder) as reopened:
                stored_titles = {a.title for a in reopened.repo.list_articles(0, 10 * ARTICLES)}
            assert set(outcome.committed_unreported) <= stored_titles
        if outcome.pause_at == "save":
            assert "lexical index: added" in (outcome.repair_note or ""), outcome.repair_note
        checked.update(fresh)
        rounds.append(outcome)
        if final:
            assert outcome.done
            assert outcome.repair_note is None, "a clean shutdown must leave the indexes in step"

    # After the final clean run every article is stored exactly once: reported 'added' by some round, or - for the
    # one committed just before a kill and never reported - found as a duplicate by the final run.
    final = rounds[-1]
    stored = {item: article_id for item, (article_id, _) in reported.items()} | final.duplicates
    assert sorted(stored) == sorted(articles)
    unreported = sorted(set(articles) - set(reported))
    announced = {t for r in rounds for t in r.committed_unreported}
    assert announced and announced <= {articles[item].title for item in unreported}
    everything = {item: (article_id, len(chunk_text(clean_text(articles[item].text)))) for item, article_id in stored.items()}
    # Each article was already asked for right after the round that reported it; ask a sample once more at the end.
    sample = random.Random(SEED).sample(sorted(everything), FINAL_ANSWER_SAMPLE) + unreported
    check_library(settings, embedder, articles, everything, sample)

    print(f"\ncrash safety: {ARTICLES} articles, {KILL_ROUNDS} SIGKILL rounds + 1 clean run, "
          f"{time.monotonic() - started:.0f} s in total")
    for r in rounds:
        how = "SIGKILL" if r.killed else ("finished" if r.done else "stopped")
        if r.pause_at:
            how += " right after a commit" if r.pause_at == "commit" else " between the vector and lexical index saves"
        print(f"  round {r.number}: {how} after {r.seconds:.1f} s, reported added {len(r.added)}, "
              f"duplicates skipped {len(r.duplicates)}, save each batch {r.save_each_batch}, "
              f"repair on restart: {r.repair_note or 'none needed'}")
    print(f"  articles reported stored: {len(reported)} (+{len(unreported)} committed but killed before reporting); "
          f"after every restart all were present with all chunks and both indexes matched the database; each was "
          f"found by its own question after the round that stored it")


def drafts_for(articles: list[SyntheticArticle]) -> list[tuple[str, ArticleDraft]]:
    """Fresh drafts (Library normalises drafts in place, so threads must not share them)."""
    return [(a.item, ArticleDraft(text=a.text, title=a.title, source="chat")) for a in articles]


def test_concurrent_ingest_from_several_chats_never_corrupts_or_duplicates(library: Library) -> None:
    """Chats adding at once, two of them the very same articles, while another chat keeps asking."""
    articles = make_articles(10, seed=99)
    plans = [
        [articles[0], articles[1], articles[2]],
        [articles[0], articles[3], articles[4]],  # article 0 arrives from two chats at once
        [articles[5], articles[6], articles[2]],  # and so does article 2
        [articles[7], articles[8], articles[9], articles[5]],
    ]
    barrier = threading.Barrier(len(plans) + 1)
    results, errors = [], []
    lock = threading.Lock()

    def chat(plan: list[SyntheticArticle]) -> None:
        try:
            barrier.wait(timeout=30)
            for item, draft in drafts_for(plan):
                result = library.add_article(draft, item)
                with lock:
                    results.append(result)
        except Exception as error:  # noqa: BLE001 - any exception is the failure being tested for
            errors.append(repr(error))

    def asker() -> None:
        try:
            barrier.wait(timeout=30)
            for i in range(6):
                library.ask(articles[i].question, highlight=False)
        except Exception as error:  # noqa: BLE001
            errors.append(repr(error))

    threads = [threading.Thread(target=chat, args=(plan,)) for plan in plans] + [threading.Thread(target=asker)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "ingest threads hung"
    assert not errors, errors

    assert len(results) == sum(len(p) for p in plans)
    assert all(r.status in ("added", "duplicate") for r in results), [r.error for r in results]
    added = [r for r in results if r.status == "added"]
    assert sorted(r.item for r in added) == sorted(a.item for a in articles), "each article added exactly once"
    ids = {r.item: r.article_id for r in added}
    for duplicate in (r for r in results if r.status == "duplicate"):
        assert duplicate.article_id == ids[duplicate.item]

    assert library.stats().articles == len(articles)
    stored_chunks = library.repo.chunk_ids()
    assert sorted(library.indexes.vectors.ids().tolist()) == stored_chunks
    assert sorted(library.indexes.lexical.ids().tolist()) == stored_chunks
    assert integrity_ok(library.engine)
    for article in articles:
        answer = library.ask(article.question, top_k=5, highlight=False)
        assert ids[article.item] in [p.article.id for p in answer.passages], article.question


def test_a_data_dir_given_in_code_is_the_one_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A library opened for another folder must never write into the current directory's ./data."""
    monkeypatch.delenv("TANYA_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert Settings(data_dir=tmp_path / "elsewhere", _env_file=None).data_dir == tmp_path / "elsewhere"


MAINTAINED = 120
MAINTENANCE_CASES = [
    # (what the killed process does, where it is killed: a pause it announces, or a random moment)
    ("reindex-approximate", "rename"),  # the index-type change, just before the rename that commits the new index
    ("reindex-approximate", "rename2"),  # and just after it, before the lexical index's rename
    ("reindex-exact", "rename2"),  # and back
    ("reindex-approximate", "random"),
    ("reindex-exact", "random"),
    ("delete", "delete"),  # between a delete's commit and the index update
    ("delete", "random"),
    ("ingest", "random"),  # ingest past APPROXIMATE_INDEX_FROM: the index changes type on its own
]


def fill_for_maintenance(settings: Settings, embedder, approximate: bool) -> dict[str, SyntheticArticle]:
    """A library of MAINTAINED articles (hash embedder), its index exact or approximate; returns, by title, the
    articles whose own question finds them among the top 5 passages (the hash embedder misses a few)."""
    articles = make_articles(MAINTAINED, seed=31)
    with Library(settings, embedder) as library:
        list(library.add_articles([(a.item, ArticleDraft(text=a.text, title=a.title)) for a in articles]))
        if approximate:
            library.reindex(approximate=True)
        return {a.title: a for a in articles
                if a.title in [p.article.title for p in library.ask(a.question, top_k=5, highlight=False).passages]}


@pytest.fixture(scope="module")
def maintained(tmp_path_factory: pytest.TempPathFactory, hash_embedder) -> Callable[[bool], tuple[Path, dict]]:
    """`fill_for_maintenance`, done once per index type for the whole module: (data folder, answerable articles)."""
    filled: dict[bool, tuple[Path, dict[str, SyntheticArticle]]] = {}

    def fill(approximate: bool) -> tuple[Path, dict[str, SyntheticArticle]]:
        if approximate not in filled:
            folder = tmp_path_factory.mktemp("maintained") / "data"
            answerable = fill_for_maintenance(Settings(data_dir=folder, _env_file=None), hash_embedder, approximate)
            filled[approximate] = (folder, answerable)
        return filled[approximate]

    return fill


def run_killed(data_dir: Path, report: Path, log: Path, action: str, pause_at: str, rng: random.Random,
               env: dict[str, str]) -> list[list[str]]:
    """Run the driver's `action` and SIGKILL it at its announced pause or at a random moment; its report lines."""
    command = [sys.executable, str(DRIVER), "--data-dir", str(data_dir), "--report", str(report), "--hash-embedder",
               "--action", action, "--count", str(MAINTAINED + 40), "--seed", "31", "--batch", "8", "--save-each-batch"]
    if pause_at != "random":
        command += ["--pause-at", pause_at]
    with open(log, "ab") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, cwd=data_dir.parent,
                                   env={**os.environ, **env})
    try:
        lines = lambda: report_lines(report)  # noqa: E731
        assert wait_for(lambda: any(f[0] == "ready" for f in lines()), START_TIMEOUT, process), log.read_text()[-3000:]
        if pause_at == "random":
            time.sleep(rng.uniform(0.0, 1.0))
        else:
            announced = {"rename": "renaming", "rename2": "renaming", "delete": "deleting"}[pause_at]
            assert wait_for(lambda: any(f[0] == announced for f in lines()), ROUND_TIMEOUT, process), log.read_text()[-3000:]
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return report_lines(report)


def check_every_command(settings: Settings, embedder, answerable: dict[str, SyntheticArticle], gone: set[int]) -> str | None:
    """After a kill: the library opens, database and indexes agree, counts, re-indexes and answers (asked for
    `answerable` articles still stored); a second start needs no repair. Returns the start-up repair note."""
    folder = settings.data_dir / "index"
    with Library(settings, embedder) as library:
        note = library.repair_note
        assert not list(folder.glob(".*.tmp")), "a killed save's temporary file was left behind"
        assert integrity_ok(library.engine)
        stored = library.repo.chunk_ids()
        assert sorted(library.indexes.vectors.ids().tolist()) == stored, "vector index differs from the database"
        assert sorted(library.indexes.lexical.ids().tolist()) == stored, "lexical index differs from the database"
        assert library.stats().chunks == len(stored)
        kept = library.list(0, 10 * MAINTAINED)
        assert not gone & {a.id for a in kept}, "an article reported deleted is back"
        assert all(a.chunks > 0 for a in kept)
        for info in random.Random(len(kept)).sample([a for a in kept if a.title in answerable], 8):
            answer = library.ask(answerable[info.title].question, top_k=5, highlight=False)
            assert info.id in [p.article.id for p in answer.passages], info.title
    with Library(settings, embedder) as again:
        assert again.repair_note is None, "one repair must leave the indexes in step"
    with Library(settings, embedder, check_model=False) as reindexing:
        assert reindexing.reindex() == len(stored)
    return note


@pytest.mark.slow
@pytest.mark.parametrize("settings", ["sqlite"], indirect=True)
@pytest.mark.parametrize("action, pause_at", MAINTENANCE_CASES)
def test_a_kill_during_reindex_delete_or_an_index_type_change_leaves_every_command_working(
        settings: Settings, hash_embedder, maintained, tmp_path: Path, action: str, pause_at: str) -> None:
    filled, articles = maintained(action == "reindex-exact")
    shutil.copytree(filled, settings.data_dir)
    env = {"APPROXIMATE_INDEX_FROM": str(MAINTAINED + 10)} if action == "ingest" else {}
    lines = run_killed(settings.data_dir.resolve(), tmp_path / "report.tsv", tmp_path / "driver.log", action, pause_at,
                       random.Random(f"{action}:{pause_at}"), env)
    assert not any(f[0] == "done" for f in lines) or pause_at == "random"
    gone = {int(f[1]) for f in lines if f[0] in ("deleted", "deleting")}
    if pause_at == "delete":
        assert gone, "the driver was killed before any delete committed"
    note = check_every_command(settings, hash_embedder, articles, gone)
    if pause_at == "delete":
        assert "removed" in (note or "") and "removed 0 " not in (note or ""), note

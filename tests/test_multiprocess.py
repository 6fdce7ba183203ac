"""Several processes, one library: real OS processes sharing one PostgreSQL database, each with the fast hash
embedder (what is tested is how processes follow each other, not how the model ranks).

Run as a script, this file is the worker: a Library driven by JSON lines on stdin, answering on stdout.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.corpus import BELOUSOV

ROOT = Path(__file__).resolve().parent.parent
PUTIN = "siapa yang mendampingi Putin?"
FOLLOW_SECONDS = 10.0
pytestmark = [pytest.mark.postgres, pytest.mark.slow]
SYLLABLES = ["ka", "lo", "mi", "ran", "su", "te", "wa", "ngu", "di", "jo", "pe", "ba"]


def village(number: int) -> str:
    """A made-up village name, different for every number below 1728."""
    parts = [SYLLABLES[(number // 144) % 12], SYLLABLES[(number // 12) % 12], SYLLABLES[number % 12]]
    return "".join(parts).capitalize()


def synthetic(number: int) -> tuple[str, str, str]:
    """(item, title, text) of a short article about one village."""
    name = village(number)
    text = " ".join([
        f"Warga Desa {name} membangun jembatan bambu sepanjang {20 + number} meter.",
        f"Kepala Desa {name} mengatakan pembangunan memakan waktu {3 + number % 5} minggu.",
        f"Jembatan itu menghubungkan {name} dengan pasar kecamatan.",
    ])
    return f"desa-{number}", f"Jembatan baru di Desa {name}", text


class Worker:
    """A library in a separate Python process, driven over its stdin and stdout."""

    def __init__(self, database_url: str, data_dir: Path, log: Path) -> None:
        env = dict(os.environ)
        env.update(PYTHONPATH=str(ROOT), TANYA_DATA_DIR=str(data_dir), DATABASE_URL=database_url)
        self._log = open(log, "a")
        self.process = subprocess.Popen([sys.executable, "-u", __file__], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=self._log, text=True, env=env, cwd=data_dir.parent)
        self._replies: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.opened = self.receive(timeout=180)

    def _read(self) -> None:
        for line in self.process.stdout:
            self._replies.put(line)

    def send(self, command: str, *args: Any) -> None:
        """Ask the worker to run `command`; collect the answer with receive()."""
        self.process.stdin.write(json.dumps([command, list(args)]) + "\n")
        self.process.stdin.flush()

    def receive(self, timeout: float = 120) -> Any:
        """The worker's next answer."""
        try:
            reply = json.loads(self._replies.get(timeout=timeout))
        except queue.Empty:
            raise AssertionError(f"worker gave no answer in {timeout} s (exit code {self.process.poll()})") from None
        assert "error" not in reply, reply["error"]
        return reply["ok"]

    def call(self, command: str, *args: Any) -> Any:
        """Run `command` in the worker and return its answer."""
        self.send(command, *args)
        return self.receive()

    def close(self) -> None:
        """Shut the worker down cleanly (killing it if it hangs)."""
        if self.process.poll() is None:
            try:
                self.send("quit")
                self.process.wait(timeout=60)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()
        self._log.close()


class Cluster:
    """Up to two workers on one database and one data directory."""

    def __init__(self, database_url: str, data_dir: Path) -> None:
        self.database_url, self.data_dir = database_url, data_dir
        self.workers: list[Worker] = []

    def worker(self, number: int) -> Worker:
        """Worker `number`, started on first use."""
        while len(self.workers) <= number:
            self.workers.append(Worker(self.database_url, self.data_dir, self.data_dir.parent / "workers.log"))
        return self.workers[number]

    def close(self) -> None:
        """Stop every worker."""
        for worker in self.workers:
            worker.close()


@pytest.fixture(scope="module")
def cluster(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """Processes sharing one data directory and one PostgreSQL database (skipped when none is configured)."""
    from tests.pg import fresh_database

    group = Cluster(fresh_database(request, migrated=False), tmp_path_factory.mktemp("cluster") / "data")
    group.data_dir.mkdir()
    yield group
    group.close()


def eventually(check: Callable[[], Any], seconds: float = FOLLOW_SECONDS) -> Any:
    """Poll `check` until it returns something true or the time is up; returns its last result."""
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


def in_step(worker: Worker) -> bool:
    """Whether the worker's two indexes hold exactly the database's chunks, none twice."""
    state = worker.call("state")
    return state["vectors"] == state["lexical"] == state["stored"]


def test_a_second_process_starts_from_stored_vectors_and_follows_adds_and_deletes(cluster: Cluster) -> None:
    from tests.conftest import SAMPLE

    first = cluster.worker(0)
    sample = json.loads(SAMPLE.read_text(encoding="utf-8"))
    [(status, putin_id)] = first.call("add", [["sample", sample["title"], sample["text"]]])
    assert status == "added"

    second = cluster.worker(1)
    assert second.opened["folder"] != first.opened["folder"], "two processes must not share index files"
    assert second.opened["passage_calls"] == 0 and "added" in (second.opened["repair"] or "")
    assert in_step(second)
    assert BELOUSOV in second.call("ask", PUTIN)[0][1]

    [(status, bridge_id)] = first.call("add", [synthetic(1)])
    started = time.monotonic()
    found = eventually(lambda: second.call("ask", "jembatan bambu Desa " + village(1))[0][0] == bridge_id)
    assert found, "an article added in one process was not answerable in the other"
    print(f"\nadd followed by the other process in {time.monotonic() - started:.1f} s")

    assert second.call("delete", putin_id)
    gone = eventually(lambda: all(BELOUSOV not in text for _, text in first.call("ask", PUTIN)))
    assert gone, "an article deleted in one process still answered in the other"
    assert eventually(lambda: in_step(first) and in_step(second))
    assert second.call("state")["passage_calls"] == 0, "the second process embedded passages it could have loaded"


def test_two_processes_ingesting_at_once_store_every_article_once(cluster: Cluster) -> None:
    first, second = cluster.worker(0), cluster.worker(1)
    numbers = range(100, 116)
    first.send("add", [synthetic(n) for n in numbers[:11]])
    second.send("add", [synthetic(n) for n in reversed(numbers[5:])])
    results = first.receive() + second.receive()
    items = [synthetic(n)[0] for n in numbers[:11]] + [synthetic(n)[0] for n in reversed(numbers[5:])]

    assert all(status in ("added", "duplicate") for status, _ in results), results
    added = [item for item, (status, _) in zip(items, results) if status == "added"]
    assert sorted(added) == sorted(synthetic(n)[0] for n in numbers), "each article must be added exactly once"
    ids = {item: article_id for item, (status, article_id) in zip(items, results) if status == "added"}
    assert all(article_id == ids[item] for item, (_, article_id) in zip(items, results))
    titles = first.call("titles")
    assert all(titles.count(synthetic(n)[1]) == 1 for n in numbers), "an article is stored twice or not at all"
    assert eventually(lambda: in_step(first) and in_step(second)), "the indexes did not settle on the database"


def serve() -> None:
    """The worker: open the library from the environment, sync in the background, answer commands."""
    from retrieval.embedding.hashing import HashEmbedder
    from retrieval.ingest.documents import ArticleDraft
    from retrieval.library import Library
    from retrieval.settings import Settings

    settings = Settings(_env_file=None)
    embedder = HashEmbedder()
    passages = embedder.passages
    calls = [0]

    def counted(texts):
        calls[0] += 1
        return passages(texts)

    embedder.passages = counted
    library = Library(settings, embedder)
    library.start_sync(0.25)

    def state() -> dict[str, Any]:
        with library.indexes.lock:
            vectors = sorted(library.indexes.vectors.ids().tolist())
            lexical = sorted(library.indexes.lexical.ids().tolist())
        return {"vectors": vectors, "lexical": lexical, "stored": library.repo.chunk_ids(), "passage_calls": calls[0]}

    commands: dict[str, Callable[..., Any]] = {
        "add": lambda items: [(r.status, r.article_id) for r in (
            library.add_article(ArticleDraft(text=text, title=title, source="test"), item)
            for item, title, text in items)],
        "ask": lambda question: [(p.article.id, p.text) for p in library.ask(question, highlight=False).passages],
        "delete": library.delete,
        "state": state,
        "titles": lambda: [a.title for a in library.list(0, 1000)],
    }
    print(json.dumps({"ok": {"folder": str(library.indexes.folder), "passage_calls": calls[0],
                             "repair": library.repair_note}}), flush=True)
    for line in sys.stdin:
        command, args = json.loads(line)
        if command == "quit":
            break
        try:
            print(json.dumps({"ok": commands[command](*args)}), flush=True)
        except Exception as error:  # noqa: BLE001 - reported to the test, which fails on it
            print(json.dumps({"error": repr(error)}), flush=True)
    library.close()


if __name__ == "__main__":
    serve()

"""Measurements that need a fresh process: start-up to first answer, memory at rest, peak memory of a bulk ingest.

Run as `python -m bench.probe startup SETTINGS_JSON [QUESTION]` or `python -m bench.probe ingest JSONL SETTINGS_JSON`,
SETTINGS_JSON being the engine settings the benchmark derived (`Settings.model_dump_json`), taken as they are;
prints one JSON object on the last line of stdout.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


STARTED = time.perf_counter()


def _status_mb(field: str) -> float:
    """A memory field of /proc/self/status in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def rss_mb() -> float:
    """Resident memory of this process now, in MiB."""
    return _status_mb("VmRSS")


def peak_rss_mb() -> float:
    """Highest resident memory of this process so far, in MiB (VmHWM: unlike ru_maxrss, not inherited over exec)."""
    return _status_mb("VmHWM")


def _settings(serialised: str):
    """The settings the benchmark passed, validated without reading the environment again."""
    from retrieval.settings import Settings

    return Settings.model_validate_json(serialised)


def startup(serialised: str, question: str) -> dict:
    """Time imports, opening the library (model, database, indexes, repair) and the first answer; memory at rest."""
    from retrieval.library import Library

    imported = time.perf_counter()
    base = rss_mb()
    settings = _settings(serialised)
    from retrieval.embedding.embedder import Embedder

    embedder = Embedder.from_settings(settings)
    model_loaded = time.perf_counter()
    with_model = rss_mb()
    library = Library(settings, embedder)
    opened = time.perf_counter()
    with_indexes = rss_mb()
    answer = library.ask(question)
    answered = time.perf_counter()
    at_rest = rss_mb()
    chunks = library.stats().chunks
    library.close()
    return {"backend": settings.embedding_backend, "chunks": chunks, "imports_s": imported - STARTED, "model_s": model_loaded - imported,
            "library_open_s": opened - model_loaded, "first_answer_s": answered - opened,
            "total_to_first_answer_s": answered - STARTED, "found": answer.found,
            "rss_after_imports_mb": base, "rss_model_mb": with_model - base, "rss_indexes_db_mb": with_indexes - with_model,
            "rss_at_rest_mb": at_rest, "peak_rss_mb": peak_rss_mb()}


def ingest(jsonl: str, serialised: str) -> dict:
    """Stream a JSON-lines file through Library.add_articles with the fake embedder; report peak memory."""
    from retrieval.library import Library
    from retrieval.ingest.readers import read_paths

    settings = _settings(serialised)
    before = rss_mb()
    started = time.perf_counter()
    counts: dict[str, int] = {}
    from retrieval.embedding.hashing import HashEmbedder

    with Library(settings, HashEmbedder()) as library:
        for result in library.add_articles(read_paths([jsonl], settings)):
            counts[result.status] = counts.get(result.status, 0) + 1
        chunks = library.stats().chunks
        after, peak = rss_mb(), peak_rss_mb()
        folder = library.indexes.folder
    index_mb = index_files_mb(folder)
    return {"articles": sum(counts.values()), "statuses": counts, "chunks": chunks,
            "seconds": time.perf_counter() - started, "rss_before_mb": before, "rss_end_mb": after,
            "peak_rss_mb": peak, "index_serialised_mb": index_mb}


def index_files_mb(folder: Path) -> float:
    """Size of both saved index files, in MiB.

    Read from disk after the library closed, so measuring them adds no in-memory copy to the peak."""
    from retrieval.indexes.lexical import LEXICAL_FILE
    from retrieval.indexes.vectors import VECTOR_FILE

    return sum((folder / name).stat().st_size for name in (VECTOR_FILE, LEXICAL_FILE)) / 2**20


def main(argv: list[str]) -> int:
    """Dispatch to one probe and print its JSON result."""
    if argv[0] == "startup":
        result = startup(argv[1], argv[2] if len(argv) > 2 else "siapa yang mendampingi Putin?")
    elif argv[0] == "ingest":
        result = ingest(argv[1], argv[2])
    else:
        raise SystemExit(f"unknown probe {argv[0]!r}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""`tanya bench [--quick] [--output DIR]`: ingest, query latency by size, index recall, backends, start-up.

Writes `bench.json` and `bench.md` to the output folder. Large libraries are built once in
TANYA_BENCH_WORK (default /tmp/tanya-bench) and reused; TANYA_BENCH_SECTIONS (comma list of
ingest, memory, backends, quality, query, startup, anchor, feeds) runs only some sections, merging into an existing report.
Every library measured uses the engine settings the command line built, each in its own folder and SQLite file
(`at`); the query embedder is the configured `EMBEDDING_BACKEND`.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from bench import report, synthetic
from retrieval.embedding.hashing import HashEmbedder
from retrieval.indexes.lexical import LEXICAL_FILE
from retrieval.indexes.vectors import VECTOR_FILE

SECTIONS = ("ingest", "memory", "backends", "quality", "query", "startup", "anchor", "feeds")


@dataclass(frozen=True)
class Plan:
    """Sizes of one benchmark run."""

    ingest_articles: int
    memory_articles: tuple[int, int]
    sizes: tuple[int, ...]
    startup_sizes: tuple[int, ...]
    questions: int
    base_passages: int
    anchor_documents: int
    anchor_questions: int
    quality_limit: int | None


QUICK = Plan(ingest_articles=60, memory_articles=(300, 3000), sizes=(10_000,), startup_sizes=(10_000,),
             questions=30, base_passages=96, anchor_documents=20, anchor_questions=20, quality_limit=60)
FULL = Plan(ingest_articles=150, memory_articles=(1_000, 100_000), sizes=(10_000, 100_000, 1_000_000),
            startup_sizes=(10_000, 1_000_000), questions=60, base_passages=256, anchor_documents=60,
            anchor_questions=60, quality_limit=None)


def log(message: str) -> None:
    """Progress on stderr with a timestamp."""
    print(f"[bench {datetime.now().strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


WARM = 10
"""Questions asked first to warm caches, not timed."""


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile in milliseconds of values given in seconds."""
    return float(np.percentile(np.asarray(values) * 1000, q)) if values else 0.0


def at(settings, data_dir: Path):
    """The settings of a benchmark library in `data_dir`: its own folder and SQLite file, whatever database the
    environment names."""
    return settings.model_copy(update={"data_dir": data_dir, "database_url": None})


class Embedders(dict):
    """The configured model per backend, loaded when a section first asks for it and then shared."""

    def __init__(self, settings) -> None:
        super().__init__()
        self.settings = settings

    def __missing__(self, backend: str):
        from retrieval.embedding.embedder import Embedder

        self[backend] = Embedder.from_settings(self.settings.model_copy(update={"embedding_backend": backend}))
        return self[backend]


def _measured_backends(embedders: Embedders) -> dict:
    """The three backends the ingest and backend sections compare, torch (the reference) first."""
    from retrieval.embedding.embedder import ONNX, ONNX_INT8, TORCH

    return {name: embedders[name] for name in (TORCH, ONNX, ONNX_INT8)}


def _write_jsonl(records: list[dict], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def _fresh(folder: Path) -> Path:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def _ingest_once(jsonl: Path, settings, data_dir: Path, embedder) -> tuple[float, int]:
    """Seconds and chunks for a whole `Library.add_articles` over a JSON-lines file (parse to index)."""
    from retrieval.library import Library
    from retrieval.ingest.readers import read_paths

    settings = at(settings, _fresh(data_dir))
    with Library(settings, embedder) as library:
        started = time.perf_counter()
        for _ in library.add_articles(read_paths([str(jsonl)], settings)):
            pass
        elapsed = time.perf_counter() - started
        return elapsed, library.stats().chunks


def _chunk_texts(settings, data_dir: Path) -> list[str]:
    """The texts the pipeline embedded (title first), read back from a library."""
    from retrieval.indexes.store import passage_text
    from retrieval.library import Library

    with Library(at(settings, data_dir), HashEmbedder()) as library:
        return [passage_text(title, text) for rows in library.repo.iter_chunk_texts() for _, text, title, _ in rows]


def _raw_encode(model, texts: list[str]) -> float:
    """Seconds for plain `SentenceTransformer.encode` of the passages (its own length sorting, batch 32)."""
    started = time.perf_counter()
    model.encode(["passage: " + t for t in texts], batch_size=32, normalize_embeddings=True, convert_to_numpy=True,
                 show_progress_bar=False)
    return time.perf_counter() - started


def _ask_times(library, questions: list[str]) -> tuple[list[float], dict[str, list[float]]]:
    """Seconds of a full `ask` per question, the query embedding not served from the recent-question memory, and
    the seconds of each pipeline stage as the answers report them."""
    times, stages = [], {}
    for question in questions:
        library.embedder._queries.clear()
        started = time.perf_counter()
        answer = library.ask(question)
        times.append(time.perf_counter() - started)
        for name, seconds in answer.timings.items():
            stages.setdefault(name, []).append(seconds)
    return times, stages


def bench_ingest(plan: Plan, work: Path, settings, embedders: Embedders) -> dict:
    """Chunks per second through Library.add_articles vs raw SentenceTransformer.encode of the same chunks."""
    from sentence_transformers import SentenceTransformer

    from retrieval.embedding.e5_bundle import build_bundled_model

    jsonl = _write_jsonl(synthetic.real_articles(plan.ingest_articles), work / "ingest" / "articles.jsonl")
    _ingest_once(jsonl, settings, work / "ingest" / "fake", HashEmbedder())
    texts = _chunk_texts(settings, work / "ingest" / "fake")
    model = SentenceTransformer(str(build_bundled_model(settings.resolved_model_cache)), device="cpu")
    model.encode(["passage: warm up"] * 4)
    embedders = _measured_backends(embedders)
    for embedder in embedders.values():
        embedder.passages(["warm up"] * 4)
    log(f"ingest: {plan.ingest_articles} articles, {len(texts)} chunks")
    raw_first = _raw_encode(model, texts)
    runs = {}
    for name, embedder in embedders.items():
        seconds, chunks = _ingest_once(jsonl, settings, work / "ingest" / name, embedder)
        runs[name] = {"seconds": seconds, "chunks": chunks, "chunks_per_s": chunks / seconds}
        log(f"ingest {name}: {chunks / seconds:.1f} chunks/s")
    raw_second = _raw_encode(model, texts)
    raw = len(texts) / ((raw_first + raw_second) / 2)
    for run in runs.values():
        run["ratio_to_raw_fp32_encode"] = run["chunks_per_s"] / raw
    return {"articles": plan.ingest_articles, "chunks": len(texts), "raw_encode_chunks_per_s": raw,
            "raw_encode_runs_s": [raw_first, raw_second], "pipeline": runs}


def bench_memory(plan: Plan, work: Path, settings) -> dict:
    """Peak RSS of streaming a small and a large JSON-lines file through ingest (fake embedder: memory only)."""
    generator = synthetic.Generator([t for r in synthetic.real_articles(300) for t in [r["text"]]],
                                    np.eye(384, dtype=np.float32)[:8])
    out = {"embedder": "FAKE hash-seeded vectors (memory flatness only; not a throughput figure)", "runs": []}
    for count in plan.memory_articles:
        path = work / "memory" / f"articles-{count}.jsonl"
        if not path.exists():
            with open(path.parent.mkdir(parents=True, exist_ok=True) or path, "w", encoding="utf-8") as handle:
                for start in range(0, count, 1000):
                    for n, text in enumerate(generator.texts(min(1000, count - start), words=160)):
                        handle.write(json.dumps({"title": f"Artikel {start + n}", "text": text}) + "\n")
        data_dir = _fresh(work / "memory" / f"lib-{count}")
        log(f"memory: ingesting {count} articles in a fresh process")
        result = _probe(["ingest", str(path), at(settings, data_dir).model_dump_json()])
        result["file_mb"] = path.stat().st_size / 2**20
        out["runs"].append(result)
    return out


def _probe(args: list[str]) -> dict:
    """Run bench.probe in a fresh interpreter; its last stdout line is JSON."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "bench.probe", *args], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[1])
    if done.returncode != 0:
        raise RuntimeError(f"probe {args[0]} failed: {done.stderr[-2000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_wall_s"] = time.perf_counter() - started
    return result


def bench_backends(plan: Plan, settings, embedders: Embedders) -> dict:
    """Encode throughput and question latency of each bundled-model backend on real text, and agreement with torch.

    Backends are measured in turn in the same run (torch first, the reference); a question's latency is the best
    of three passes over 100 real questions, as the machine may be shared.
    """
    embedders = _measured_backends(embedders)
    texts = synthetic.real_chunks(synthetic.real_articles(plan.base_passages))[: plan.base_passages]
    questions = synthetic.real_questions(100)
    out, reference = {}, None
    for name, embedder in embedders.items():
        embedder.passages(texts[:8])
        started = time.perf_counter()
        vectors = embedder.passages(texts)
        seconds = time.perf_counter() - started
        reference = vectors if reference is None else reference
        cosine = np.sum(vectors * reference, axis=1)
        passes = [_question_times(embedder, questions) for _ in range(3)]
        out[name] = {"passages_per_s": len(texts) / seconds, "cosine_to_torch_min": float(cosine.min()),
                     "cosine_to_torch_mean": float(cosine.mean()),
                     "query_p50_ms": min(percentile(times, 50) for times in passes),
                     "query_p95_ms": min(percentile(times, 95) for times in passes)}
        log(f"backend {name}: {len(texts) / seconds:.1f} passages/s, question p50 {out[name]['query_p50_ms']:.1f} ms")
    return out


def _question_times(embedder, questions: list[str]) -> list[float]:
    """Seconds to embed each question on its own, warm (the recent-question memory bypassed)."""
    for question in questions[:5]:
        embedder.queries([question])
    times = []
    for question in questions:
        started = time.perf_counter()
        embedder.queries([question])
        times.append(time.perf_counter() - started)
    return times


def base_material(plan: Plan, embedder, work: Path) -> tuple[list[str], np.ndarray]:
    """Real chunk texts and their real embeddings, the seed of the synthetic libraries (cached on disk)."""
    texts = synthetic.real_chunks(synthetic.real_articles(plan.base_passages * 2))[: plan.base_passages]
    cache = work / f"base-{len(texts)}.npy"
    if cache.exists():
        return texts, np.load(cache)
    vectors = embedder.passages(texts)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.save(cache, vectors)
    return texts, vectors


def build_library(size: int, work: Path, settings, embedder, texts: list[str], vectors: np.ndarray) -> Path:
    """A library of `size` synthetic chunks, indexed as `Library.reindex` does (built once, then reused)."""
    from retrieval.indexes.store import Indexes
    from retrieval.library import Library
    from storage.database import make_engine
    from storage.repository import Repository

    data_dir = work / f"lib-{size}"
    marker, filled = data_dir / "built.json", data_dir / "filled.json"
    if marker.exists():
        return data_dir
    settings = at(settings, data_dir)
    started = time.perf_counter()
    if not filled.exists():
        Library(at(settings, _fresh(data_dir)), embedder).close()
        log(f"library {size}: writing synthetic chunks")
        synthetic.fill_database(data_dir / "tanya.db", synthetic.Generator(texts, vectors), size, embedder.name)
        filled.write_text(json.dumps({"chunks": size, "fill_s": time.perf_counter() - started}))
    log(f"library {size}: rebuilding the indexes")
    rebuilt = time.perf_counter()
    engine = make_engine(settings.resolved_database_url)
    indexes = Indexes(data_dir / "index", Repository(engine), embedder.dim, embedder.name,
                      settings.approximate_index_from)
    indexes.rebuild()
    engine.dispose()
    marker.write_text(json.dumps({**json.loads(filled.read_text()), "reindex_s": time.perf_counter() - rebuilt,
                                  "kind": indexes.vectors.kind}))
    return data_dir


def exact_top(db_path: Path, queries: np.ndarray, k: int = 10) -> np.ndarray:
    """Exact inner-product top-k chunk ids for each query, streamed over the stored vectors."""
    best_ids = np.zeros((len(queries), 0), np.int64)
    best_scores = np.zeros((len(queries), 0), np.float32)
    for ids, vectors in synthetic.stored_vectors(db_path, queries.shape[1]):
        scores = np.concatenate([best_scores, queries @ vectors.T], axis=1)
        pool = np.concatenate([best_ids, np.broadcast_to(ids, (len(queries), len(ids)))], axis=1)
        top = np.argpartition(-scores, min(k, scores.shape[1] - 1), axis=1)[:, :k]
        best_scores, best_ids = np.take_along_axis(scores, top, 1), np.take_along_axis(pool, top, 1)
    return best_ids


def recall_at(index, queries: np.ndarray, exact: np.ndarray, k: int = 10) -> tuple[float, float]:
    """Mean recall@k of `index` against exact ids, and its mean search time in ms."""
    hits, seconds = 0.0, 0.0
    for vector, truth in zip(queries, exact):
        started = time.perf_counter()
        found, _ = index.search(vector, k)
        seconds += time.perf_counter() - started
        hits += len(set(found.tolist()) & set(truth.tolist())) / k
    return hits / len(queries), seconds / len(queries) * 1000


def _into_page_cache(path: Path) -> float:
    """Read a file once, front to back, so its pages are cached as on a server that has been answering for a while;
    returns the seconds it took (a cold read)."""
    started = time.perf_counter()
    with open(path, "rb") as handle:
        while handle.read(1 << 24):
            pass
    return time.perf_counter() - started


def bench_query(size: int, plan: Plan, work: Path, settings, embedder, texts: list[str], vectors: np.ndarray) -> dict:
    """Warm latency percentiles (per pipeline stage and end to end) and recall@10 of the index in use.

    Warm means the question's vector is not remembered but the database file is in the page cache (read once
    before the timed questions): one pass of 60 questions over a 5 GB file otherwise measures the disk."""
    from retrieval.library import Library
    from retrieval.indexes.vectors import IVF

    data_dir = build_library(size, work, settings, embedder, texts, vectors)
    built = json.loads((data_dir / "built.json").read_text())
    questions = synthetic.real_questions(plan.questions + 10)
    warm, measured = questions[:WARM], questions[WARM:]
    cache_read_s = _into_page_cache(data_dir / "tanya.db")
    with Library(at(settings, data_dir), embedder) as library:
        _ask_times(library, warm)
        end_to_end, stages = _ask_times(library, measured)
        index = library.indexes.vectors
        query_vectors = library.embedder.queries(measured)
        exact = exact_top(data_dir / "tanya.db", query_vectors)
        recall, search_ms = recall_at(index, query_vectors, exact)
        sweep = []
        if index.kind == IVF:
            default = index.nprobe
            for nprobe in sorted({max(1, default // 4), max(1, default // 2), default, default * 2}):
                index.nprobe = nprobe
                r, ms = recall_at(index, query_vectors, exact)
                sweep.append({"nprobe": nprobe, "recall_at_10": r, "search_ms": ms})
            index.nprobe = default
        variant = _approximate_variant(library, measured, query_vectors, exact) if index.kind != IVF and size >= 100_000 else None
        vector_bytes = (data_dir / "index" / VECTOR_FILE).stat().st_size
        lexical_bytes = (data_dir / "index" / LEXICAL_FILE).stat().st_size
        result = {"chunks": len(index), "index_kind": index.kind, "database_read_into_cache_s": cache_read_s,
                  "nprobe": index.nprobe if index.kind == IVF else None,
                  "build": built, "recall_at_10": recall, "vector_search_ms_mean": search_ms, "nprobe_sweep": sweep,
                  "vector_index_bytes_per_chunk": vector_bytes / max(1, len(index)),
                  "lexical_file_bytes_per_chunk": lexical_bytes / max(1, len(index)),
                  "stages_ms": {name: {"p50": percentile(v, 50), "p95": percentile(v, 95)} for name, v in stages.items()},
                  "ask_ms": {"p50": percentile(end_to_end, 50), "p95": percentile(end_to_end, 95)},
                  "questions": len(measured), "approximate_variant": variant}
    log(f"query {size}: ask p50 {result['ask_ms']['p50']:.1f} ms, recall@10 {recall:.3f}")
    return result


def _approximate_variant(library, questions: list[str], query_vectors: np.ndarray, exact: np.ndarray) -> dict:
    """What the same library would give with an approximate index (as if approximate_index_from were lower)."""
    exact_index = library.indexes.vectors
    started = time.perf_counter()
    library.indexes.vectors = exact_index.approximated()
    built = time.perf_counter() - started
    try:
        recall, search_ms = recall_at(library.indexes.vectors, query_vectors, exact)
        times, _ = _ask_times(library, questions)
        return {"index_kind": library.indexes.vectors.kind, "nprobe": library.indexes.vectors.nprobe, "build_s": built,
                "recall_at_10": recall, "vector_search_ms_mean": search_ms,
                "ask_ms": {"p50": percentile(times, 50), "p95": percentile(times, 95)}}
    finally:
        library.indexes.vectors = exact_index


def bench_startup(plan: Plan, work: Path, settings, backends: list[str]) -> list[dict]:
    """Fresh-process start-up to first answer and memory at rest, per size and backend."""
    out = []
    for size in plan.startup_sizes:
        data_dir = work / f"lib-{size}"
        if not (data_dir / "built.json").exists():
            continue
        for backend in backends:
            log(f"startup {size} {backend}")
            probed = at(settings, data_dir).model_copy(update={"embedding_backend": backend})
            result = _probe(["startup", probed.model_dump_json()])
            result["size"] = size
            out.append(result)
    return out


def main(args, settings) -> int:
    """Run the selected benchmark sections and write bench.json and bench.md."""
    from retrieval.embedding.embedder import TORCH

    plan = QUICK if args.quick else FULL
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    work = Path(os.environ.get("TANYA_BENCH_WORK", "/tmp/tanya-bench")) / ("quick" if args.quick else "full")
    chosen = [s.strip() for s in os.environ.get("TANYA_BENCH_SECTIONS", ",".join(SECTIONS)).split(",") if s.strip()]
    path = output / "bench.json"
    results = json.loads(path.read_text()) if path.exists() and len(chosen) < len(SECTIONS) else {}
    results["meta"] = {**results.get("meta", {}), "quick": bool(args.quick),
                       "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                       "machine": f"{platform.machine()}, {os.cpu_count()} cores", "python": platform.python_version(),
                       "load_average_at_start": os.getloadavg()[0], "plan": plan.__dict__,
                       "backend": settings.embedding_backend}
    embedders = Embedders(settings)

    def save() -> None:
        path.write_text(json.dumps(results, indent=2, default=str))
        (output / "bench.md").write_text(report.markdown(results))

    if "ingest" in chosen:
        results["ingest"] = bench_ingest(plan, work, settings, embedders)
        save()
    if "memory" in chosen:
        results["memory"] = bench_memory(plan, work, settings)
        save()
    if "backends" in chosen:
        results["backends"] = bench_backends(plan, settings, embedders)
        save()
    if "quality" in chosen:
        from bench.quality import bench_quality

        results["quality"] = bench_quality(work, settings, synthetic.EVAL, plan.quality_limit)
        save()
    if "query" in chosen:
        texts, vectors = base_material(plan, embedders[TORCH], work)
        results.setdefault("query", {})
        backend = settings.embedding_backend
        embedder = embedders[backend]
        results["meta"]["query_backend"] = backend
        for size in plan.sizes:
            results["query"][str(size)] = bench_query(size, plan, work, settings, embedder, texts, vectors)
            save()
    if "startup" in chosen:
        results["startup"] = bench_startup(plan, work, settings, [settings.embedding_backend])
        save()
    if "anchor" in chosen:
        from bench.anchor import bench_anchor

        embedder = embedders[settings.embedding_backend]
        results["anchor"] = bench_anchor(work, settings, embedder, synthetic.EVAL, plan.anchor_documents,
                                         plan.anchor_questions)
        save()
    if "feeds" in chosen:
        from bench import feeds  # a local feed server: imported only when measured

        backend = settings.embedding_backend
        results["feeds"] = feeds.run(work, settings, embedders[backend])
        save()
    results["meta"]["load_average_at_end"] = os.getloadavg()[0]
    save()
    print(f"wrote {path} and {output / 'bench.md'}")
    return 0

"""Our BM25 index against well-kept engines (SQLite FTS5, tantivy) on one built library and the same questions.

Issue 15, target 3. The library is only read: our index is loaded from its folder, and the engines are built in
`--work` from the very terms our index holds for each live chunk (recovered from its postings, each stem repeated as
often as it occurs), so every engine sees the same stemmed Indonesian/English words and chunk lengths; the engines'
own tokenisers only split on spaces. Questions are `bench.synthetic.real_questions` (the first 10 warm the caches,
as in `bench.run`), their terms `query_terms`, k the pipeline's candidate pool (50). Latency is CPU time per
question (`time.process_time`, the median of `--passes` passes, since the machine is shared) and wall time.

    PYTHONPATH=. python -m bench.lexical_compare /tmp/tanya-bench/full/lib-1000000 --work /tmp/lexical-compare

tantivy is not a dependency of the project: install it into the environment to measure it (`pip install
tantivy==0.27.0`); without it that engine is skipped.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from bench import synthetic
from bench.run import WARM, percentile
from retrieval.indexes.lexical import LexicalIndex, query_terms
from retrieval.settings import Settings

Search = Callable[[list[str], int], list[int]]


def documents(index: LexicalIndex) -> Iterator[tuple[int, str]]:
    """(chunk id, its stems joined by spaces) of each live chunk, in slot order, from the index's postings."""
    for chunk_id, tokens in index.chunk_tokens():
        yield chunk_id, " ".join(tokens)


def timed(search: Search, questions: list[list[str]], k: int, passes: int) -> dict:
    """CPU and wall ms per question (median over passes), p50/p95, and each question's ranked ids."""
    for terms in questions[:WARM]:
        search(terms, k)
    measured = questions[WARM:]
    cpu = np.zeros((passes, len(measured)))
    wall = np.zeros_like(cpu)
    ranked: list[list[int]] = []
    for run in range(passes):
        for at, terms in enumerate(measured):
            started, clock = time.process_time(), time.perf_counter()
            found = search(terms, k)
            cpu[run, at], wall[run, at] = time.process_time() - started, time.perf_counter() - clock
            if not run:
                ranked.append(found)
    cpu, wall = np.median(cpu, axis=0).tolist(), np.median(wall, axis=0).tolist()
    return {"cpu_ms": {"p50": percentile(cpu, 50), "p95": percentile(cpu, 95)},
            "wall_ms": {"p50": percentile(wall, 50), "p95": percentile(wall, 95)}, "ranked": ranked}


def build_fts5(index: LexicalIndex, work: Path, reuse: bool) -> tuple[Search, dict]:
    """An FTS5 table of the chunks' stems (bm25 with FTS5's own k1 1.2, b 0.75), merged into one b-tree."""
    path = work / "fts5.sqlite"
    built = _built(work / "fts5.json", reuse)
    if built is None:
        path.unlink(missing_ok=True)
        connection = sqlite3.connect(path)
        connection.execute("PRAGMA journal_mode=OFF")
        connection.execute("CREATE VIRTUAL TABLE chunks USING fts5(terms, detail=none, "
                           "tokenize=\"unicode61 remove_diacritics 0 tokenchars '_'\")")
        started = time.perf_counter()
        with connection:
            connection.executemany("INSERT INTO chunks(rowid, terms) VALUES (?, ?)", documents(index))
            connection.execute("INSERT INTO chunks(chunks) VALUES ('optimize')")
        built = time.perf_counter() - started
        connection.execute("VACUUM")
        (work / "fts5.json").write_text(json.dumps({"build_s": built}))
    else:
        connection = sqlite3.connect(path)

    def search(terms: list[str], k: int) -> list[int]:
        match = " OR ".join(f'"{term}"' for term in terms)
        rows = connection.execute("SELECT rowid FROM chunks WHERE chunks MATCH ? ORDER BY rank LIMIT ?", (match, k))
        return [row[0] for row in rows]

    return search, {"build_s": built, "bytes": path.stat().st_size,
                    "incremental_deletes": "yes: DELETE FROM chunks WHERE rowid = ?"}


def build_tantivy(index: LexicalIndex, work: Path, reuse: bool) -> tuple[Search, dict]:
    """A tantivy index of the chunks' stems (BM25, k1 1.2, b 0.75; lengths kept as one-byte field norms) with the
    chunk id as an indexed fast field, written by one thread and merged by tantivy's own policy."""
    import tantivy

    folder = work / "tantivy"
    built = _built(work / "tantivy.json", reuse)
    if built is None and folder.exists():
        for item in folder.iterdir():
            item.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", indexed=True, fast=True)
    builder.add_text_field("terms", tokenizer_name="spaces", index_option="freq")
    schema = builder.build()
    engine = tantivy.Index(schema, path=str(folder))
    engine.register_tokenizer("spaces", tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build())
    if built is None:
        started = time.perf_counter()
        writer = engine.writer(heap_size=512_000_000, num_threads=1)
        for chunk_id, text in documents(index):
            writer.add_document(tantivy.Document(id=chunk_id, terms=text))
        writer.commit()
        writer.wait_merging_threads()
        built = time.perf_counter() - started
        (work / "tantivy.json").write_text(json.dumps({"build_s": built}))
    engine.reload()
    searcher = engine.searcher()

    def search(terms: list[str], k: int) -> list[int]:
        query = tantivy.Query.boolean_query(
            [(tantivy.Occur.Should, tantivy.Query.term_query(schema, "terms", term)) for term in terms])
        hits = searcher.search(query, k, count=False).hits
        return searcher.fast_field_values("id", [address for _, address in hits])

    size = sum(item.stat().st_size for item in folder.iterdir())
    return search, {"build_s": built, "bytes": size, "segments": searcher.num_segments,
                    "incremental_deletes": "yes: IndexWriter.delete_documents_by_term on the id field, then commit"}


def _built(facts: Path, reuse: bool) -> float | None:
    """The build time recorded beside an engine's files when they are to be reused, else None (build anew)."""
    return json.loads(facts.read_text())["build_s"] if reuse and facts.exists() else None


def overlap(ours: list[list[int]], theirs: list[list[int]], depth: int) -> float:
    """Mean share of our top `depth` ids that the engine's top `depth` holds."""
    shares = [len(set(a[:depth]) & set(b[:depth])) / max(1, min(depth, len(a))) for a, b in zip(ours, theirs)]
    return statistics.fmean(shares)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("library", type=Path, help="a built library folder (holds index/lexical.idx); only read")
    parser.add_argument("--work", type=Path, required=True, help="where the engines' files are written")
    parser.add_argument("--engines", default="fts5,tantivy", help="comma-separated: fts5, tantivy (or none)")
    parser.add_argument("--questions", type=int, default=70, help="questions, the first 10 only warming up")
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="open the engines' files built by an earlier run")
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    k = Settings().candidate_pool
    started = time.perf_counter()
    index = LexicalIndex.load(args.library / "index")
    if index is None:
        raise SystemExit(f"no lexical index in {args.library / 'index'}")
    questions = [query_terms(question) for question in synthetic.real_questions(args.questions)]
    results = {"ours": {"load_s": time.perf_counter() - started, "chunks": len(index),
                        "bytes": (args.library / "index" / "lexical.idx").stat().st_size,
                        "incremental_deletes": "yes: tombstones, compacted on save",
                        **timed(lambda terms, k: index.search(terms, k)[0].tolist(), questions, k, args.passes)}}
    builders = {"fts5": build_fts5, "tantivy": build_tantivy}
    for name in filter(None, args.engines.split(",")):
        if name == "tantivy":
            try:
                import tantivy  # noqa: F401
            except ImportError:
                print("tantivy is not installed: skipped")
                continue
        search, facts = builders[name](index, args.work, args.reuse)
        results[name] = {**facts, **timed(search, questions, k, args.passes)}
    ours = results["ours"]["ranked"]
    print(f"{len(index):,} chunks, {len(questions) - WARM} questions, k={k}, CPU ms median of {args.passes} passes")
    print("| engine | CPU p50 / p95 ms | wall p50 / p95 ms | build s | size B/chunk | top-1 same | top-10 overlap "
          "| top-50 overlap |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, figures in results.items():
        ranked = figures.pop("ranked")
        figures.update(top1_same=overlap(ours, ranked, 1), top10_overlap=overlap(ours, ranked, 10),
                       top50_overlap=overlap(ours, ranked, 50))
        build = f"{figures['build_s']:.0f}" if "build_s" in figures else "–"
        print(f"| {name} | {figures['cpu_ms']['p50']:.2f} / {figures['cpu_ms']['p95']:.2f} "
              f"| {figures['wall_ms']['p50']:.2f} / {figures['wall_ms']['p95']:.2f} | {build} "
              f"| {figures['bytes'] / len(index):.0f} | {figures['top1_same']:.3f} | {figures['top10_overlap']:.3f} "
              f"| {figures['top50_overlap']:.3f} |")
    if args.out:
        args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

"""The anchor: txtai's `Embeddings` (same bundled weights, hybrid) measured beside Tanya on the same passages and
questions, in the same run: ingest passages/s, warm query p50/p95, hit@1, and txtai's query embedding alone."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from bench.run import log, percentile
from retrieval.evaluation.data import load_corpora, load_questions
from retrieval.evaluation.metrics import contains_answer, first_hit

SETS = ("tydiqa-id", "xquad-en")


def material(folder: Path, documents: int, questions: int) -> tuple[list[tuple[str, object]], list]:
    """The first `documents` passages of each set and up to `questions` of their questions, interleaved."""
    corpora, asked = load_corpora(folder), load_questions(folder)
    docs, chosen = [], []
    for name in SETS:
        picked = corpora.get(name, [])[:documents]
        docs += [(name, doc) for doc in picked]
        ids = {doc.id for doc in picked}
        chosen.append([q for q in asked.get(name, []) if q.doc in ids and q.answers])
    mixed = [q for group in zip(*chosen) for q in group]
    return docs, mixed[:questions]


def bench_anchor(work: Path, settings, embedder, eval_folder: Path, documents: int, questions: int) -> dict:
    """Tanya (configured backend) and txtai hybrid over the same passages and questions."""
    from retrieval.evaluation.runner import build_library, texts_of
    from retrieval.indexes.store import passage_text

    docs, asked = material(eval_folder, documents, questions)
    folder = work / "anchor" / "tanya"
    shutil.rmtree(folder, ignore_errors=True)
    started = time.perf_counter()
    library = build_library(folder, embedder, docs, settings)
    tanya_ingest = time.perf_counter() - started
    try:
        passages = [passage_text(title, text) for rows in library.repo.iter_chunk_texts()
                    for _, text, title, _ in rows]
        for question in asked[:5]:
            library.ask(question.question)
        times, hits = [], 0
        for question in asked:
            library.embedder._queries.clear()
            begun = time.perf_counter()
            answer = library.ask(question.question, top_k=1)
            times.append(time.perf_counter() - begun)
            hits += first_hit(texts_of(answer), question.answers) == 1
    finally:
        library.close()
    tanya = {"passages": len(passages), "ingest_passages_per_s": len(passages) / tanya_ingest,
             "query_ms": {"p50": percentile(times, 50), "p95": percentile(times, 95)}, "hit_at_1": hits / len(asked)}
    log(f"anchor tanya: {tanya['ingest_passages_per_s']:.1f} passages/s, ask p50 {tanya['query_ms']['p50']:.1f} ms")
    return {"questions": len(asked), "tanya": tanya, "txtai": _txtai(settings, passages, asked)}


def _txtai(settings, passages: list[str], asked: list) -> dict:
    """txtai `Embeddings(hybrid=True)` on the bundled model folder: ingest, query and embedding-only timings (torch
    on one thread: on a shared machine more threads only wait for each other)."""
    try:
        import torch
        from txtai import Embeddings
    except ImportError:
        return {"skipped": "txtai is not installed (pip install '.[bench]')"}
    torch.set_num_threads(1)
    from retrieval.embedding.e5_bundle import build_bundled_model

    embeddings = Embeddings(path=str(build_bundled_model(settings.resolved_model_cache)), hybrid=True, content=True,
                            instructions={"query": "query: ", "data": "passage: "})
    started = time.perf_counter()
    embeddings.index([(n, text, None) for n, text in enumerate(passages)])
    ingest = time.perf_counter() - started
    for question in asked[:5]:
        embeddings.search(question.question, 1)
    times, embed_times, hits = [], [], 0
    for question in asked:
        begun = time.perf_counter()
        found = embeddings.search(question.question, 1)
        times.append(time.perf_counter() - begun)
        begun = time.perf_counter()
        embeddings.transform(question.question, category="query")
        embed_times.append(time.perf_counter() - begun)
        hits += bool(found) and contains_answer(found[0]["text"], question.answers)
    out = {"passages": len(passages), "ingest_passages_per_s": len(passages) / ingest,
           "query_ms": {"p50": percentile(times, 50), "p95": percentile(times, 95)},
           "query_embedding_ms": {"p50": percentile(embed_times, 50), "p95": percentile(embed_times, 95)},
           "hit_at_1": hits / len(asked)}
    log(f"anchor txtai: {out['ingest_passages_per_s']:.1f} passages/s, search p50 {out['query_ms']['p50']:.1f} ms")
    return out

"""The quality check of a faster backend: `tanya eval` on the shared sets with the fp32 graph and with the int8
graph, in the same run, so the report can say whether int8 stays within half a point of fp32 on every set."""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.run import log

SCORES = (("hybrid", "hit@1"), ("hybrid", "mrr@10"), ("key_sentence@1", None))


def bench_quality(work: Path, settings, eval_folder: Path, limit: int | None) -> dict:
    """Per backend and set: hybrid hit@1, MRR@10 and key-sentence hit@1 (passage vectors cached in `work`)."""
    from retrieval.embedding.embedder import ONNX, ONNX_INT8, Embedder
    from retrieval.evaluation.runner import evaluate

    out: dict = {"limit": limit, "backends": {}}
    for backend in (ONNX, ONNX_INT8):
        log(f"quality: tanya eval with {backend}" + (f", {limit} questions per set" if limit else ""))
        embedder = Embedder.from_settings(settings.model_copy(update={"embedding_backend": backend}),
                                          vector_cache=work / "quality-vectors.sqlite")
        with tempfile.TemporaryDirectory(prefix="tanya-bench-eval-") as workdir:
            report = evaluate(eval_folder, embedder, limit, Path(workdir), settings)
        out["backends"][backend] = {name: _scores(figures) for name, figures in report["sets"].items()}
    return out


def _scores(figures: dict) -> dict[str, float]:
    """The compared figures of one set."""
    scores = {}
    for first, second in SCORES:
        value = figures.get(first)
        if second is not None:
            value = (value or {}).get(second)
        if value is not None:
            scores[f"{first}.{second}" if second else first] = float(value)
    return scores

"""The ONNX backends give the PyTorch model's vectors: the fp32 graph (the default for passages) exactly, the blockwise
int8 graph (the default for questions) within cosine 0.9999."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from itertools import islice

import numpy as np
import pytest

from retrieval.embedding.e5_bundle import PROMPTS
from retrieval.embedding.embedder import ONNX, ONNX_INT8, TORCH, Embedder
from retrieval.settings import Settings
from tests.conftest import ROOT, SHARED_EVAL


def _field(pattern: str, field: str, per_file: int) -> list[str]:
    """The first `per_file` values of `field` in each eval file matching `pattern`."""
    files = sorted(SHARED_EVAL.glob(pattern))
    if not files:
        pytest.skip(f"no eval sets in {SHARED_EVAL}")
    values = []
    for path in files:
        with open(path, encoding="utf-8") as handle:
            values += [json.loads(line)[field] for line in islice(handle, per_file)]
    return values


@pytest.fixture(scope="module")
def torch_embedder() -> Embedder:
    """The bundled model in PyTorch, the reference the ONNX graph must reproduce."""
    return Embedder(cache_dir=Settings(_env_file=None).resolved_model_cache, backend=TORCH)


@pytest.fixture(scope="module")
def int8_embedder() -> Embedder:
    """The int8 graph for passages as well as questions."""
    return Embedder(cache_dir=Settings(_env_file=None).resolved_model_cache, backend=ONNX_INT8)


def _fp32_questions(embedder: Embedder, questions: list[str]) -> np.ndarray:
    """Questions through the default backend's fp32 graph (which it uses for passages)."""
    return embedder.model.encode([PROMPTS["query"] + question for question in questions])


def test_the_default_backend_embeds_passages_with_the_fp32_graph_and_questions_with_the_int8_graph(embedder):
    assert Settings(_env_file=None).embedding_backend == ONNX
    assert embedder.backend == ONNX and embedder.question_model is not embedder.model


def test_the_fp32_graph_gives_the_vectors_of_torch_for_two_hundred_real_questions(embedder, torch_embedder):
    questions = _field("*.questions.jsonl", "question", 40)[:200]
    cosines = np.sum(_fp32_questions(embedder, questions) * torch_embedder.queries(questions), axis=1)
    assert len(questions) == 200 and cosines.min() >= 0.9999


def test_the_int8_graph_keeps_the_fp32_vectors_of_two_hundred_real_questions(embedder):
    questions = _field("*.questions.jsonl", "question", 40)[:200]
    cosines = np.sum(embedder.queries(questions) * _fp32_questions(embedder, questions), axis=1)
    assert len(questions) == 200 and cosines.min() >= 0.9999


@pytest.mark.parametrize(("backend", "reference"), [
    pytest.param("embedder", "torch_embedder", id="default fp32 graph vs torch"),
    pytest.param("int8_embedder", "embedder", id="int8 graph vs fp32 graph")])
def test_a_graph_gives_the_vectors_of_its_reference_for_real_passages_of_every_length(backend, reference, request):
    passages = _field("*.corpus.jsonl", "text", 12)
    vectors = [request.getfixturevalue(name).passages(passages) for name in (backend, reference)]
    assert np.sum(vectors[0] * vectors[1], axis=1).min() >= 0.9999


def test_questions_asked_at_once_from_several_threads_get_their_own_vectors(embedder):
    questions = _field("*.questions.jsonl", "question", 4)
    alone = embedder.queries(questions)
    with ThreadPoolExecutor(4) as pool:
        together = np.stack(list(pool.map(lambda q: embedder.queries([q])[0], questions * 3)))
    assert np.allclose(together, np.tile(alone, (3, 1)), atol=1e-5)


def test_a_fresh_process_answers_with_the_default_graph_without_importing_torch(embedder):
    cache = Settings(_env_file=None).resolved_model_cache
    script = ("import sys; sys.modules['torch'] = None\n"
              "from pathlib import Path\n"
              "from retrieval.embedding.embedder import Embedder\n"
              f"print(Embedder(cache_dir=Path({str(cache)!r})).query('siapa yang mendampingi Putin?').tolist())")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    vector = np.array(json.loads(result.stdout), dtype=np.float32)
    assert float(vector @ embedder.query("siapa yang mendampingi Putin?")) >= 0.9999

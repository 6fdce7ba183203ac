"""The ONNX backends give the PyTorch model's vectors: the fp32 graph exactly, the default blockwise int8 graph within
cosine 0.9999."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from itertools import islice

import numpy as np
import pytest

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
def fp32_embedder() -> Embedder:
    """The fp32 graph in ONNX Runtime."""
    return Embedder(cache_dir=Settings(_env_file=None).resolved_model_cache, backend=ONNX)


def test_the_default_backend_is_the_blockwise_int8_graph(embedder):
    assert Settings(_env_file=None).embedding_backend == ONNX_INT8
    assert embedder.backend == ONNX_INT8


PAIRS = [pytest.param("fp32_embedder", "torch_embedder", id="fp32 graph vs torch"),
         pytest.param("embedder", "fp32_embedder", id="default int8 graph vs fp32 graph")]


@pytest.mark.parametrize(("backend", "reference"), PAIRS)
def test_a_graph_gives_the_vectors_of_its_reference_for_two_hundred_real_questions(backend, reference, request):
    questions = _field("*.questions.jsonl", "question", 40)[:200]
    vectors = [request.getfixturevalue(name).queries(questions) for name in (backend, reference)]
    cosines = np.sum(vectors[0] * vectors[1], axis=1)
    assert len(questions) == 200 and cosines.min() >= 0.9999


@pytest.mark.parametrize(("backend", "reference"), PAIRS)
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

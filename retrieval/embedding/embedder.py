"""Sentence embeddings: the bundled multilingual-e5-small or any sentence-transformers model.

Four backends, chosen by `EMBEDDING_BACKEND` (or the `backend` argument); other models than the bundled
one always use sentence-transformers:

* `onnx` (default): passages through the bundled model's fp32 weights as a fused ONNX graph (torch's
  vectors at about half its CPU time); questions through the int8 graph below, which keeps the fp32
  vectors within cosine 0.9999 and is faster for one short text, whose time goes to reading weights.
* `onnx-int8`: passages through the int8 graph as well (every MatMul weight quantised to int8 in blocks of
  16 inputs, a scale each). `tanya eval` stays within 0.2 points of fp32, but on CPUs without int8 dot
  products (AVX2 only) batches are no faster than fp32, so it is not the default.
* `torch`: the bundled BERT run directly in PyTorch from its safetensors with the Rust tokenizer,
  importing neither transformers nor sentence-transformers.
* `sentence-transformers`: the reference `SentenceTransformer.encode`.

No backend needs torch at run time except `torch` and `sentence-transformers`; building a graph (first use) does.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from retrieval.embedding.e5_bundle import BUNDLED_MODEL_NAME, DEFAULT_MODEL_CACHE, PROMPTS, build_bundled_model
from retrieval.embedding.onnx_graphs import FP32_GRAPH, INT8_BLOCK, INT8_GRAPH, build_onnx_graphs

if TYPE_CHECKING:
    from retrieval.settings import Settings

log = logging.getLogger(__name__)

ONNX, TORCH, ONNX_INT8, SENTENCE_TRANSFORMERS = "onnx", "torch", "onnx-int8", "sentence-transformers"
BACKENDS = (ONNX, TORCH, ONNX_INT8, SENTENCE_TRANSFORMERS)
MAX_TOKENS = 512


class _Backend(Protocol):
    """What the Embedder needs of a model: prompts, a dimension and normalised vectors for texts."""

    prompts: dict[str, str]
    dim: int

    def encode(self, texts: list[str]) -> np.ndarray:
        """L2-normalised float32 vectors for one batch of already-prompted texts."""


class _SentenceTransformersBackend:
    """The reference: `SentenceTransformer.encode`."""

    def __init__(self, location: str, batch_size: int) -> None:
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(location, device="cpu", local_files_only=True)
        self.prompts = dict(self.model.prompts or {})
        self.dim = int(self.model.get_sentence_embedding_dimension())
        self.batch_size = batch_size

    def encode(self, texts: list[str]) -> np.ndarray:
        """Encode with mean pooling and normalisation as configured in the model folder."""
        return self.model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True,
                                 show_progress_bar=False).astype(np.float32, copy=False)


def _tokenizer(folder: Path):
    """The model's fast tokenizer, truncating to MAX_TOKENS and padding to the longest text of a batch."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.enable_truncation(MAX_TOKENS)
    pad = tokenizer.token_to_id("<pad>")
    tokenizer.enable_padding(pad_id=1 if pad is None else pad, pad_token="<pad>")
    return tokenizer


def _tokenize(tokenizer, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Token ids and attention mask of a batch as int64 arrays."""
    encoded = tokenizer.encode_batch(texts)
    ids = np.array([e.ids for e in encoded], dtype=np.int64)
    mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
    return ids, mask


def _mean_normalised(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean of the unmasked token vectors, scaled to unit length."""
    weights = mask[:, :, None].astype(np.float32)
    pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
    return (pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)).astype(np.float32)


class _TorchBackend:
    """The bundled BERT in PyTorch (fp32) without transformers' import cost; sentence-transformers' vectors."""

    def __init__(self, folder: Path) -> None:
        import torch
        from safetensors.torch import load_file

        config = json.loads((folder / "config.json").read_text())
        self.torch = torch
        self.tokenizer = _tokenizer(folder)
        self.weights = load_file(str(folder / "model.safetensors"))
        self.layers, self.heads = int(config["num_hidden_layers"]), int(config["num_attention_heads"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.prompts = dict(PROMPTS)
        self.dim = int(config["hidden_size"])
        self.threads = torch.get_num_threads()

    def _norm(self, x, name: str):
        """LayerNorm with the named weights."""
        w = self.weights
        return self.torch.nn.functional.layer_norm(x, (self.dim,), w[f"{name}.weight"], w[f"{name}.bias"], self.eps)

    def _linear(self, x, name: str):
        """Dense layer with the named weights."""
        return self.torch.nn.functional.linear(x, self.weights[f"{name}.weight"], self.weights[f"{name}.bias"])

    def _layer(self, x, bias, n: int):
        """One transformer block: self-attention and feed-forward, each with residual and LayerNorm."""
        f, p = self.torch.nn.functional, f"encoder.layer.{n}"
        batch, tokens, _ = x.shape
        split = [self._linear(x, f"{p}.attention.self.{part}").view(batch, tokens, self.heads, -1).transpose(1, 2)
                 for part in ("query", "key", "value")]
        context = f.scaled_dot_product_attention(*split, attn_mask=bias).transpose(1, 2).reshape(batch, tokens, self.dim)
        x = self._norm(x + self._linear(context, f"{p}.attention.output.dense"), f"{p}.attention.output.LayerNorm")
        hidden = f.gelu(self._linear(x, f"{p}.intermediate.dense"))
        return self._norm(x + self._linear(hidden, f"{p}.output.dense"), f"{p}.output.LayerNorm")

    def encode(self, texts: list[str]) -> np.ndarray:
        """One forward pass over the batch, then masked mean pooling and normalisation.

        A single text (a question) runs on one thread: its matrices are too small to share, and
        waiting for a second thread costs far more than it saves when the cores are busy.
        """
        if len(texts) != 1 or self.threads == 1:
            return self._forward(texts)
        self.torch.set_num_threads(1)
        try:
            return self._forward(texts)
        finally:
            self.torch.set_num_threads(self.threads)

    def _forward(self, texts: list[str]) -> np.ndarray:
        """Embeddings, layers, pooling."""
        torch, w = self.torch, self.weights
        ids, mask = _tokenize(self.tokenizer, texts)
        with torch.inference_mode():
            tokens = torch.from_numpy(ids)
            x = (w["embeddings.word_embeddings.weight"][tokens] + w["embeddings.position_embeddings.weight"][:ids.shape[1]]
                 + w["embeddings.token_type_embeddings.weight"][0])
            x = self._norm(x, "embeddings.LayerNorm")
            keep = torch.from_numpy(mask).bool()[:, None, None, :]
            bias = torch.zeros(keep.shape, dtype=x.dtype).masked_fill(~keep, torch.finfo(x.dtype).min)
            for n in range(self.layers):
                x = self._layer(x, bias, n)
            return _mean_normalised(x.numpy(), mask)


class _OnnxBackend:
    """The bundled model as an ONNX graph (pooling and normalisation inside the graph) in ONNX Runtime.

    One session, one thread per core, for questions and batches alike: a question's int8 arithmetic splits
    well, and when the cores are busy two threads get twice the share of them (a question took 6-9 ms on two
    threads against 14-27 ms on one, at load 5). Pool threads spin `SPIN_MICROSECONDS` between operators, then
    sleep. `run` is thread-safe.
    """

    def __init__(self, tokenizer, graph: Path) -> None:
        self.tokenizer = tokenizer
        self.session = _onnx_session(graph)
        self.prompts = dict(PROMPTS)
        self.dim = int(self.session.get_outputs()[0].shape[-1])

    def encode(self, texts: list[str]) -> np.ndarray:
        """One ONNX Runtime call over the batch."""
        ids, mask = _tokenize(self.tokenizer, texts)
        return self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0].astype(np.float32, copy=False)


SPIN_MICROSECONDS = 100
"""How long an idle pool thread spins for the next operator before it sleeps. A question is a few hundred small
operators: waking a sleeping thread for each cost it 1.3 ms (quiet machine: 5.0 ms p50 against 3.7-4.0 ms), while
spinning without a bound burnt ~40 ms of CPU after each question and doubled its time when the cores were busy.
With 100 µs the CPU per question is as without spinning and a busy machine sees no difference (9-11 ms both)."""


def _onnx_session(graph: Path):
    """An ONNX Runtime CPU session of `graph` with all graph optimisations and one thread per core."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.add_session_config_entry("session.intra_op.allow_spinning", "1")
    options.add_session_config_entry("session.intra_op.spin_duration_us", str(SPIN_MICROSECONDS))
    return onnxruntime.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])


def _load_backends(model: str, cache_dir: Path, batch_size: int, backend: str) -> tuple[_Backend, _Backend]:
    """The models for passages and for questions with the requested backend (the same one, except that `onnx`
    embeds questions with the int8 graph); non-bundled models always use sentence-transformers."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown EMBEDDING_BACKEND {backend!r}; choose one of {', '.join(BACKENDS)}")
    if model != BUNDLED_MODEL_NAME:
        if backend != SENTENCE_TRANSFORMERS:
            log.info("backend %s serves only the bundled model; using sentence-transformers for %s", backend, model)
        single = _SentenceTransformersBackend(model, batch_size)
        return single, single
    folder = build_bundled_model(cache_dir)
    if backend in (ONNX, ONNX_INT8):
        tokenizer = _tokenizer(folder)  # ~290 MB for its 250k pieces: one for both graphs
        if backend == ONNX_INT8:
            [int8] = build_onnx_graphs(folder, (INT8_GRAPH,))
            questions = _OnnxBackend(tokenizer, int8)
            return questions, questions
        fp32, int8 = build_onnx_graphs(folder, (FP32_GRAPH, INT8_GRAPH))
        return _OnnxBackend(tokenizer, fp32), _OnnxBackend(tokenizer, int8)
    single = _TorchBackend(folder) if backend == TORCH else _SentenceTransformersBackend(str(folder), batch_size)
    return single, single


class Embedder:
    """Encodes queries and passages with the model's `query: ` / `passage: ` prompts, L2-normalised."""

    def __init__(self, model: str = BUNDLED_MODEL_NAME, cache_dir: Path = DEFAULT_MODEL_CACHE, batch_size: int = 32,
                 vector_cache: Path | None = None, backend: str = ONNX) -> None:
        self.name = model
        self.backend = backend
        self.model, self.question_model = _load_backends(model, cache_dir, batch_size, self.backend)
        self.dim = int(self.model.dim)
        self.batch_size = batch_size
        self._prompts = {k: v for k, v in PROMPTS.items() if k in self.model.prompts}
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        cache_key = self.name if self.backend != ONNX_INT8 else f"{self.name}@{ONNX_INT8}-b{INT8_BLOCK}"
        self._cache = VectorCache(vector_cache, cache_key) if vector_cache else None

    @classmethod
    def from_settings(cls, settings: Settings, vector_cache: Path | None = None) -> Embedder:
        """The embedder that `EMBEDDING_MODEL`, `EMBEDDING_BACKEND`, `MODEL_CACHE_DIR` and the batch size describe."""
        return cls(settings.embedding_model, settings.resolved_model_cache, settings.embedding_batch_size,
                   vector_cache, settings.embedding_backend)

    def _encode(self, texts: Sequence[str], prompt: str) -> np.ndarray:
        """Encode in length-sorted batches (less padding), writing each batch straight to its rows."""
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        model = self.question_model if prompt == "query" else self.model
        prefix = model.prompts.get(prompt, "") if prompt in self._prompts else ""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            out[rows] = model.encode([prefix + texts[i] for i in rows])
        return out

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for passages, served from the on-disk cache where one is configured."""
        if self._cache is None:
            return self._encode(texts, "passage")
        found = self._cache.get_many(texts)
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            fresh = self._encode(missing, "passage")
            self._cache.put_many(zip(missing, fresh))
            found.update(zip(missing, fresh))
        return np.stack([found[t] for t in texts]).astype(np.float32) if texts else np.zeros((0, self.dim), np.float32)

    def query(self, text: str) -> np.ndarray:
        """Vector for a question; recent questions are remembered."""
        with self._lock:
            if text in self._queries:
                self._queries.move_to_end(text)
                return self._queries[text]
        vector = self._encode([text], "query")[0]
        with self._lock:
            self._queries[text] = vector
            if len(self._queries) > 1024:
                self._queries.popitem(last=False)
        return vector

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for several questions at once."""
        return self._encode(texts, "query")


class VectorCache:
    """Passage vectors on disk keyed by model and text, so repeated evaluation runs skip re-embedding."""

    def __init__(self, path: Path, model: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False)
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB)")
        self._model = model
        self._lock = threading.Lock()

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self._model}\0{text}".encode()).hexdigest()

    def get_many(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """Cached vectors of those texts that have one."""
        keys = {self._key(t): t for t in texts}
        found: dict[str, np.ndarray] = {}
        items = list(keys.items())
        with self._lock:
            for start in range(0, len(items), 500):
                part = dict(items[start : start + 500])
                marks = ",".join("?" * len(part))
                for key, blob in self._db.execute(f"SELECT key, vector FROM vectors WHERE key IN ({marks})", list(part)):
                    found[part[key]] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, pairs) -> None:
        """Store vectors for texts."""
        with self._lock:
            self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                                 [(self._key(t), np.asarray(v, np.float32).tobytes()) for t, v in pairs])
            self._db.commit()

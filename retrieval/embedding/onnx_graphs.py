"""ONNX graphs of the bundled model, built once next to its folder: fp32 (fused) and int8.

Both hold BERT plus masked mean pooling and L2 normalisation, with dynamic batch and length, so a
session run returns the finished vectors. Building needs torch and transformers (first use only);
running them needs only ONNX Runtime.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)


def graph_folder(folder: Path) -> Path:
    """Where the graphs of the model in `folder` live: a sibling folder, so the model folder stays as built."""
    return folder.with_name(f"{folder.name}-onnx")


def build_onnx_fp32(folder: Path) -> Path:
    """The fp32 graph with BERT's attention, LayerNorm and GELU fused into ONNX Runtime's kernels.

    Same weights and arithmetic as the PyTorch model (cosine ≥ 0.9999); the fusion removes the
    dozens of small reshape and mask nodes per layer that dominate the cost of a short question.
    """
    return _build(graph_folder(folder) / "model.onnx", lambda staged: _export_fused(folder, staged))


def build_onnx_int8(folder: Path) -> Path:
    """The int8 graph: MatMul weights quantised per channel (dynamic activations)."""
    return _build(graph_folder(folder) / "model-int8.onnx", lambda staged: _quantize_int8(folder, staged))


def _build(target: Path, write: Callable[[Path], None]) -> Path:
    """`target`, written through a private staging file on first use so a half-built graph is never seen."""
    if target.exists():
        return target
    log.info("building %s (first use only)", target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        write(staged)
        os.replace(staged, target)
    finally:
        staged.unlink(missing_ok=True)
    return target


def _export_fused(folder: Path, path: Path) -> None:
    """Export with eager attention (the pattern ONNX Runtime's BERT fusion recognises), then fuse."""
    from onnxruntime.transformers.optimizer import optimize_model

    raw = path.with_name(f"{path.name}.raw")
    try:
        _export_onnx(folder, raw, attention="eager")
        config = json.loads((folder / "config.json").read_text())
        fused = optimize_model(str(raw), model_type="bert", num_heads=int(config["num_attention_heads"]),
                               hidden_size=int(config["hidden_size"]), opt_level=0)
        fused.save_model_to_file(str(path))
    finally:
        raw.unlink(missing_ok=True)


def _quantize_int8(folder: Path, path: Path) -> None:
    """Export the fp32 graph as PyTorch's SDPA traces it and quantise its MatMul weights to int8."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    fp32 = path.with_name(f"{path.name}.fp32")
    try:
        _export_onnx(folder, fp32, attention="sdpa")
        quantize_dynamic(str(fp32), str(path), weight_type=QuantType.QInt8, per_channel=True,
                         op_types_to_quantize=["MatMul"], extra_options={"DefaultTensorType": 1})
    finally:
        fp32.unlink(missing_ok=True)


def _export_onnx(folder: Path, path: Path, attention: str) -> None:
    """Export BERT plus mean pooling and normalisation to an fp32 ONNX graph with dynamic batch and length."""
    import torch
    from transformers import BertModel

    class Pooled(torch.nn.Module):
        """BERT followed by masked mean pooling and L2 normalisation."""

        def __init__(self, bert: torch.nn.Module) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, dim=-1)

    bert = BertModel.from_pretrained(str(folder), add_pooling_layer=False, attn_implementation=attention).eval()
    ids = torch.tensor([[0, 41, 1294, 12, 33600, 31, 8999, 2]])
    axes = {"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"}, "embedding": {0: "batch"}}
    with torch.inference_mode():
        torch.onnx.export(Pooled(bert), (ids, torch.ones_like(ids)), str(path), input_names=["input_ids", "attention_mask"],
                          output_names=["embedding"], dynamic_axes=axes, opset_version=17, dynamo=False)

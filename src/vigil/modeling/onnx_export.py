"""Torch -> ONNX (optionally int8) for the transformer families; needs the training stack.

Why these choices:
* the TorchScript-based exporter (``dynamo=False``) exports a BERT encoder in
  about a second here versus ~12 s for the dynamo exporter, and its graph
  quantises cleanly; batch and sequence axes are dynamic.
* ``quantize_dynamic`` (int8 weights, dynamic activations) roughly halves CPU
  latency (p95 3.7 ms vs 6.9 ms for one text with MiniLM here). It fails on
  graphs that carry stale ``value_info`` shape annotations, so they are cleared
  first, and it writes large temporary files next to its output, so it runs
  inside a temporary directory.
"""

from __future__ import annotations

import inspect
import io
import tempfile
import warnings
from pathlib import Path
from typing import Any

OPSET = 17
QUANTIZE_OPTIONS = ("none", "int8")
_AXES = {0: "batch", 1: "sequence"}


def text_inputs(module: Any) -> list[str]:
    """Input names the wrapped Hugging Face model accepts (DistilBERT-like models have no token types)."""
    accepted = inspect.signature(module.forward).parameters
    return [name for name in ("input_ids", "attention_mask", "token_type_ids") if name in accepted]


def export_onnx(module: Any, example: dict[str, Any], input_names: list[str], output_name: str) -> bytes:
    """Serialise ``module(**inputs)`` to ONNX bytes with dynamic batch and sequence axes."""
    import torch

    module.eval()
    buffer = io.BytesIO()
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module,
            tuple(example[name] for name in input_names),
            buffer,  # type: ignore[arg-type]  # torch.onnx.export writes to file-like objects too
            input_names=input_names,
            output_names=[output_name],
            dynamic_axes={**{name: _AXES for name in input_names}, output_name: {0: "batch"}},
            opset_version=OPSET,
            dynamo=False,
        )
    return buffer.getvalue()


def quantize(onnx_bytes: bytes, mode: str) -> bytes:
    """Return the graph unchanged (``none``) or with int8 dynamic quantisation (``int8``)."""
    if mode == "none":
        return onnx_bytes
    if mode != "int8":
        raise ValueError(f"quantize must be one of {QUANTIZE_OPTIONS}, got {mode!r}")
    import logging

    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load_from_string(onnx_bytes)
    del graph.graph.value_info[:]
    with tempfile.TemporaryDirectory(prefix="vigil-quantize-") as tmp:
        source, target = Path(tmp) / "fp32.onnx", Path(tmp) / "int8.onnx"
        onnx.save(graph, source)
        quiet = logging.getLogger()
        level = quiet.level
        quiet.setLevel(logging.ERROR)  # "consider pre-processing" advice printed on every call
        try:
            quantize_dynamic(source, target, weight_type=QuantType.QInt8)
        finally:
            quiet.setLevel(level)
        return target.read_bytes()

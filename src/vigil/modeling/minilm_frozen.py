"""Frozen all-MiniLM-L6-v2 sentence embeddings + a class-weighted logistic-regression head.

The fast transformer option: the encoder is never trained, so the cost is one
forward pass per text (through the exported, optionally int8, ONNX graph: the
same graph the service runs) plus a linear head fitted in seconds. The head is
stored as plain JSON weights, so prediction needs numpy and onnxruntime only.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from vigil.modeling.base import Validation
from vigil.modeling.encoder_source import require_training_stack, resolve_encoder
from vigil.modeling.onnx_family import OnnxFamily
from vigil.modeling.onnx_text import encode_batch, load_tokenizer, pad_id, softmax

HEAD_FILE = "head.json"


def export_encoder(encoder_dir: Path, max_length: int, quantize_mode: str) -> tuple[bytes, str]:
    """(ONNX bytes of the mean-pooled encoder, tokenizer.json text) for ``encoder_dir``."""
    from transformers import AutoModel

    from vigil.modeling.onnx_export import export_onnx, quantize, text_inputs
    from vigil.modeling.torch_modules import MeanPooledEncoder, to_tensors

    tokenizer_json = (encoder_dir / "tokenizer.json").read_text(encoding="utf-8")
    tokenizer = load_tokenizer(tokenizer_json, max_length)
    encoder = AutoModel.from_pretrained(encoder_dir)
    names = text_inputs(encoder)
    example = to_tensors(encode_batch(tokenizer, ["brake pads worn", "engine"], pad_id(tokenizer)))
    graph = export_onnx(MeanPooledEncoder(encoder), example, names, "embedding")
    return quantize(graph, quantize_mode), tokenizer_json


def linear_head(classifier: Any) -> tuple[np.ndarray, np.ndarray]:
    """(weights[n_classes, dim], bias[n_classes]) whose softmax equals the classifier's probabilities.

    A binary logistic regression keeps one row; softmax([0, z]) = sigmoid(z), so
    a zero row for the first class makes the two-class case the same formula.
    """
    weights = np.ascontiguousarray(classifier.coef_, dtype=np.float64)  # same memory layout as after load
    bias = np.ascontiguousarray(classifier.intercept_, dtype=np.float64)
    if weights.shape[0] == 1:
        weights = np.vstack([np.zeros_like(weights), weights])
        bias = np.concatenate([[0.0], bias])
    return weights, bias


class MiniLMFrozen(OnnxFamily):
    family = "minilm_frozen"

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        *,
        sample_weight: np.ndarray | None = None,
        validation: Validation | None = None,
    ) -> MiniLMFrozen:
        from sklearn.linear_model import LogisticRegression

        require_training_stack(self.family)
        p = self.params
        onnx_bytes, tokenizer_json = export_encoder(resolve_encoder(p["encoder"]), p["max_length"], p["quantize"])
        self._set_runtime(onnx_bytes, tokenizer_json)
        embeddings = self.runtime.run(texts, description="minilm_frozen embed train")
        head = LogisticRegression(
            C=p["C"], class_weight=p["class_weight"], max_iter=p["max_iter"], random_state=self.seed
        ).fit(embeddings, list(labels), sample_weight=sample_weight)
        self.classes_ = [str(c) for c in head.classes_]
        self.weights, self.bias = linear_head(head)
        self.training_summary = {"embedding_dim": int(embeddings.shape[1])}
        return self

    def _probabilities(self, outputs: np.ndarray) -> np.ndarray:
        return softmax(outputs.astype(np.float64) @ self.weights.T + self.bias)

    def _extra_files(self) -> dict[str, str]:
        return {HEAD_FILE: json.dumps({"weights": self.weights.tolist(), "bias": self.bias.tolist()}) + "\n"}

    def _read_extra_files(self, directory: Path) -> None:
        head = json.loads((directory / HEAD_FILE).read_text(encoding="utf-8"))
        self.weights, self.bias = np.asarray(head["weights"]), np.asarray(head["bias"])

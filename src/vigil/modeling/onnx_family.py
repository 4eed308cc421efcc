"""What the transformer families share: an ONNX graph + tokenizer on disk, labels, and loading without torch.

Subclasses train (with torch) and end with an :class:`OnnxTextModel`; from
then on, in memory and after ``load``, probabilities come from the same ONNX
bytes. ``quantize`` (``none`` | ``int8``) is applied at export, before the
stage's validation and evaluation, so the reported metrics describe the graph
that is served.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from vigil.modeling.onnx_text import OnnxTextModel

GRAPH_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
LABELS_FILE = "labels.json"


class OnnxFamily:
    """Base for families whose inference is ``OnnxTextModel`` followed by a small numpy step."""

    family: ClassVar[str]
    # Inference needs the first three; torch, transformers and onnx trained and exported the graph.
    libraries: ClassVar[tuple[str, ...]] = ("onnxruntime", "tokenizers", "numpy", "torch", "transformers", "onnx")

    def __init__(self, params: dict[str, Any], seed: int = 0) -> None:
        self.params = dict(params)
        self.seed = seed
        self.classes_: list[str] = []
        self._runtime: OnnxTextModel | None = None
        self.training_summary: dict[str, Any] = {}

    @property
    def runtime(self) -> OnnxTextModel:
        if self._runtime is None:
            raise RuntimeError("model is not fitted")
        return self._runtime

    def _set_runtime(self, onnx_bytes: bytes, tokenizer_json: str) -> None:
        self._runtime = OnnxTextModel(
            onnx_bytes,
            tokenizer_json,
            max_length=self.params["max_length"],
            batch_size=self.params["batch_size"],
        )

    def _probabilities(self, outputs: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return self._probabilities(self.runtime.run(texts, description=f"{self.family} predict"))

    def _extra_files(self) -> dict[str, str]:
        """Family-specific small files (name -> JSON text)."""
        return {}

    def _read_extra_files(self, directory: Path) -> None:
        """Restore what ``_extra_files`` wrote."""

    def save(self, directory: Path) -> list[str]:
        files = self.runtime.save(directory, GRAPH_FILE, TOKENIZER_FILE)
        (directory / LABELS_FILE).write_text(json.dumps(self.classes_, ensure_ascii=False) + "\n", encoding="utf-8")
        files.append(LABELS_FILE)
        for name, text in self._extra_files().items():
            (directory / name).write_text(text, encoding="utf-8")
            files.append(name)
        return files

    @classmethod
    def load(cls, directory: Path, params: dict[str, Any]) -> OnnxFamily:
        model = cls(params)
        model._set_runtime((directory / GRAPH_FILE).read_bytes(), (directory / TOKENIZER_FILE).read_text("utf-8"))
        model.classes_ = json.loads((directory / LABELS_FILE).read_text(encoding="utf-8"))
        model._read_extra_files(directory)
        return model

    def describe(self) -> dict[str, Any]:
        return {
            "n_classes": len(self.classes_),
            "encoder": str(self.params.get("encoder")),
            "max_length": int(self.params["max_length"]),
            "quantize": self.params["quantize"],
            "onnx_bytes": len(self.runtime.onnx_bytes),
            **self.training_summary,
        }

"""The interface every model family implements."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class TextClassifier(Protocol):
    """A multiclass text classifier with calibrated-ish class probabilities.

    ``classes_`` fixes the column order of ``predict_proba``; ``save``/``load``
    use a directory so that a family may store several files (weights,
    vocabulary, ONNX graph) next to the shared ``model.json``.
    """

    family: str
    classes_: list[str]

    def fit(
        self, texts: Sequence[str], labels: Sequence[str], sample_weight: np.ndarray | None = None
    ) -> TextClassifier: ...

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray: ...

    def save(self, directory: Path) -> list[str]:
        """Write the family's files into ``directory``; return their names."""
        ...

    @classmethod
    def load(cls, directory: Path, params: dict[str, Any]) -> TextClassifier: ...

    def describe(self) -> dict[str, Any]:
        """Small JSON-able summary (sizes, vocabulary, hyper-parameters) for model.json and the card."""
        ...

"""The interface every model family implements."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

# (texts, labels) of the validation split, for families that stop early or tune on it.
Validation = tuple[Sequence[str], Sequence[str]]


@runtime_checkable
class TextClassifier(Protocol):
    """A multiclass text classifier with class probabilities.

    ``classes_`` fixes the column order of ``predict_proba``; ``save``/``load``
    use a directory so that a family may store several files (weights,
    tokenizer, ONNX graph) next to the shared ``model.json``. ``load`` must not
    need the training stack (torch, transformers): the serving image has only
    the inference libraries.
    """

    family: str
    libraries: tuple[str, ...]  # distributions whose versions model.json records
    classes_: list[str]

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        *,
        sample_weight: np.ndarray | None = None,
        validation: Validation | None = None,
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

"""A hashed linear model's weights on disk and in a pickle: the non-zero entries, the intercept, a JSON card.

Both learned name models (the scrubber's and the residual scan's) are linear over
2**k hashed features, most of whose weights are zero. This is only their file
format: no feature, weight or threshold is shared through it, so the residual
scan stays independent of the scrubber (``tests/test_residual_independence.py``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from vigil.errors import VigilError

WEIGHTS_FILE = "weights.npz"
CARD_FILE = "model.json"


def save_weights(directory: Path, weights: np.ndarray, intercept: float, card: dict[str, Any]) -> None:
    """``weights.npz`` (non-zero indices and values, intercept) and ``model.json`` (the card) in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    nonzero = np.flatnonzero(weights)
    np.savez_compressed(
        directory / WEIGHTS_FILE,
        indices=nonzero.astype(np.int32),
        values=weights[nonzero],
        intercept=np.float64(intercept),
    )
    (directory / CARD_FILE).write_text(json.dumps(card, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def load_weights(directory: Path, n_features: int, what: str, stage: str) -> tuple[np.ndarray, float, dict[str, Any]]:
    """(dense weights, intercept, card); one line naming the directory and the stage that builds it otherwise."""
    try:
        card = json.loads((directory / CARD_FILE).read_text(encoding="utf-8"))
        arrays = np.load(directory / WEIGHTS_FILE)
        weights = np.zeros(n_features, dtype=np.float32)
        weights[arrays["indices"]] = arrays["values"]
        intercept = float(arrays["intercept"])
    except (OSError, ValueError, KeyError, IndexError) as exc:
        raise VigilError(f"{directory}: no usable {what} ({exc}); build it with `dvc repro {stage}`") from None
    return weights, intercept, card


@dataclass
class HashedWeights:
    """A model's ``weights``, ``intercept``, ``card`` and scoring ``_cache``, with saving and pickling.

    A subclass names its ``FEATURES`` (the hashing width) and ``FORMAT`` (written into the card).
    """

    FEATURES: ClassVar[int]
    FORMAT: ClassVar[str]
    weights: np.ndarray
    intercept: float
    card: dict = field(default_factory=dict)
    _cache: dict = field(default_factory=dict, repr=False)

    def __getstate__(self) -> dict:
        """Pickled without the cache and with the non-zero weights only (a Spark task carries the model)."""
        nonzero = np.flatnonzero(self.weights)
        return {"indices": nonzero, "values": self.weights[nonzero], "intercept": self.intercept, "card": self.card}

    def __setstate__(self, state: dict) -> None:
        self.weights = np.zeros(self.FEATURES, dtype=np.float32)
        self.weights[state["indices"]] = state["values"]
        self.intercept, self.card, self._cache = state["intercept"], state["card"], {}

    def save(self, directory: Path) -> None:
        card = {**self.card, "format": self.FORMAT, "features": self.FEATURES}
        save_weights(directory, self.weights, self.intercept, card)

"""Per-class decision offsets: trade precision for recall per class, tuned on validation.

The default decision is the arg-max of the (calibrated) probabilities. With
``train.decision: tuned`` each class gets an additive offset on its
log-probability (``argmax(log p + b)``, a prior-shift correction) chosen by
coordinate ascent on validation macro-F1. It helps rare classes in imbalanced
data; on a small validation split it can overfit, which the test-split metrics
then show. Probabilities are never changed, only the chosen label.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import f1_score

DECISION_RULES = ("argmax", "tuned")
_GRID = np.round(np.linspace(-2.0, 2.0, 21), 2)
_ROUNDS = 3
_FLOOR = 1e-12


def decide(proba: np.ndarray, log_offsets: np.ndarray | None = None) -> np.ndarray:
    """Index of the chosen class per row."""
    if log_offsets is None:
        return proba.argmax(axis=1)
    return (np.log(np.clip(proba, _FLOOR, 1.0)) + log_offsets).argmax(axis=1)


def _macro_f1(y_index: np.ndarray, predicted: np.ndarray, n_classes: int) -> float:
    return float(f1_score(y_index, predicted, labels=list(range(n_classes)), average="macro", zero_division=0))


def tune_log_offsets(proba: np.ndarray, y_index: np.ndarray) -> np.ndarray:
    """Offsets maximising macro-F1; a change is kept only if it strictly improves the score (ties keep 0)."""
    n_classes = proba.shape[1]
    offsets = np.zeros(n_classes)
    best = _macro_f1(y_index, decide(proba, offsets), n_classes)
    for _ in range(_ROUNDS):
        improved = False
        for k in range(n_classes):
            for value in _GRID:
                trial = offsets.copy()
                trial[k] = value
                score = _macro_f1(y_index, decide(proba, trial), n_classes)
                if score > best + 1e-9:
                    best, offsets, improved = score, trial, True
        if not improved:
            break
    return offsets

"""Expected calibration error and the reliability curve behind it.

Top-label ECE with equal-width confidence bins: the weighted mean gap between
how confident the model is and how often it is right. A reviewer can read
"ECE 0.03" as "confidences are within ~3 points of observed accuracy"; the
reliability curve (``reports/plots/calibration.csv``) shows where they are not.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def _bins(confidence: np.ndarray, n_bins: int) -> np.ndarray:
    """Bin index per row; bins are (k/n, (k+1)/n], the lowest also takes 0."""
    return np.clip(np.ceil(confidence * n_bins).astype(int) - 1, 0, n_bins - 1)


def _reliability(y_true: Sequence[str], y_pred: Sequence[str], confidence: np.ndarray, n_bins: int) -> pd.DataFrame:
    correct = (np.asarray(list(y_true)) == np.asarray(list(y_pred))).astype(float)
    confidence = np.asarray(confidence, dtype=float)
    frame = pd.DataFrame({"bin": _bins(confidence, n_bins), "c": confidence, "ok": correct})
    grouped = frame.groupby("bin").agg(confidence=("c", "mean"), accuracy=("ok", "mean"), count=("ok", "size"))
    return grouped.reset_index()[["bin", "confidence", "accuracy", "count"]]


def reliability_table(
    y_true: Sequence[str], y_pred: Sequence[str], confidence: np.ndarray, n_bins: int
) -> pd.DataFrame:
    """Per non-empty bin: mean confidence, accuracy and count (rounded for a diffable plot file)."""
    return _reliability(y_true, y_pred, confidence, n_bins).round({"confidence": 4, "accuracy": 4})


def expected_calibration_error(
    y_true: Sequence[str], y_pred: Sequence[str], confidence: np.ndarray, n_bins: int
) -> float:
    table = _reliability(y_true, y_pred, confidence, n_bins)
    if table.empty:
        return 0.0
    weights = table["count"] / table["count"].sum()
    return float((weights * (table["confidence"] - table["accuracy"]).abs()).sum())

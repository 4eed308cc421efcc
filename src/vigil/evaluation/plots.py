"""Plot data in the shapes DVC's built-in templates read.

* confusion: one row per test record (``actual``, ``predicted``) for the
  ``confusion`` template, so ``dvc plots diff`` can compare revisions.
* precision-recall: one file per class with (``recall``, ``precision``,
  ``threshold``) rows; DVC draws one curve per file of the directory.
* the confusion matrix as counts, for humans and the PDF report.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import confusion_matrix, precision_recall_curve

_MAX_CURVE_POINTS = 200


def confusion_rows(y_true: Sequence[str], y_pred: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame({"actual": list(y_true), "predicted": list(y_pred)})


def confusion_counts(y_true: Sequence[str], y_pred: Sequence[str], labels: list[str]) -> dict[str, Any]:
    matrix = confusion_matrix(y_true, y_pred, labels=labels)
    return {"labels": labels, "matrix": matrix.tolist()}


def safe_filename(label: str) -> str:
    """Label -> file stem usable on every OS (labels come from user data)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", label).strip("._") or "label"


def precision_recall_points(y_true: Sequence[str], proba: np.ndarray, labels: list[str]) -> dict[str, pd.DataFrame]:
    """Per-class one-vs-rest PR curve, thinned to at most ``_MAX_CURVE_POINTS`` rows."""
    truth = np.asarray(list(y_true))
    curves: dict[str, pd.DataFrame] = {}
    for index, label in enumerate(labels):
        positives = truth == label
        if not positives.any():
            continue
        precision, recall, thresholds = precision_recall_curve(positives, proba[:, index])
        frame = pd.DataFrame(
            {
                "recall": recall[:-1].round(4),
                "precision": precision[:-1].round(4),
                "threshold": thresholds.round(4),
            }
        )
        if len(frame) > _MAX_CURVE_POINTS:
            keep = np.unique(np.linspace(0, len(frame) - 1, _MAX_CURVE_POINTS).round().astype(int))
            frame = frame.iloc[keep]
        curves[label] = frame.reset_index(drop=True)
    return curves

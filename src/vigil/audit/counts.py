"""Group metrics from confusion counts, vectorised over bootstrap resamples.

Every metric the fairness audit reports (accuracy, macro-F1, one-vs-rest
recall / precision / selection rate) is a function of a group's confusion
matrix. Counting ``(resample, group, true, predicted)`` with one ``bincount``
turns a thousand resamples of every group into one array operation instead of a
thousand MetricFrame constructions. Definitions follow scikit-learn: macro-F1
averages over the labels present in the group's true or predicted labels;
recall (precision) is undefined (NaN) when the group has no true (predicted)
example of the class.
"""

from __future__ import annotations

import numpy as np


def confusion_counts(
    groups: np.ndarray, y_true: np.ndarray, y_pred: np.ndarray, n_groups: int, n_classes: int, index: np.ndarray
) -> np.ndarray:
    """Counts of shape ``(B, G, K, K)`` (resample, group, true, predicted) for index rows ``(B, N)``.

    ``groups``, ``y_true`` and ``y_pred`` are integer codes per record; ``index``
    selects the records of each resample (the identity row gives the point estimate).
    """
    resamples = index.shape[0]
    cell = (groups[index] * n_classes + y_true[index]) * n_classes + y_pred[index]
    offsets = (np.arange(resamples, dtype=np.int64) * (n_groups * n_classes * n_classes))[:, None]
    flat = np.bincount((cell + offsets).ravel(), minlength=resamples * n_groups * n_classes * n_classes)
    return flat.reshape(resamples, n_groups, n_classes, n_classes)


def _divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, numerator / np.maximum(denominator, 1), np.nan)


def group_metrics(counts: np.ndarray) -> dict[str, np.ndarray]:
    """Metrics over the last two axes of ``counts``: scalars ``(..., )`` and per-class ``(..., K)``."""
    true_totals = counts.sum(axis=-1)
    predicted_totals = counts.sum(axis=-2)
    tp = np.diagonal(counts, axis1=-2, axis2=-1)
    support = true_totals.sum(axis=-1)
    present = (true_totals + predicted_totals) > 0
    f1 = _divide(2 * tp, true_totals + predicted_totals)
    with np.errstate(invalid="ignore"):
        f1_macro = np.where(present.any(axis=-1), np.nansum(f1, axis=-1) / np.maximum(present.sum(axis=-1), 1), np.nan)
    return {
        "support": support,
        "accuracy": _divide(tp.sum(axis=-1), support),
        "f1_macro": f1_macro,
        "class_support": true_totals,
        "predicted_count": predicted_totals,
        "recall": _divide(tp, true_totals),
        "precision": _divide(tp, predicted_totals),
        "selection_rate": _divide(predicted_totals, support[..., None]),
    }

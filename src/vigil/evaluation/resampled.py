"""Metrics over many resamples at once: one row per resample, vectorised with ``bincount``.

A bootstrap or a randomization test computes the same metric thousands of times;
looping over sklearn calls would cost seconds per metric. These functions take
``(rows, n)`` matrices of label codes and return one value per row.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def label_codes(labels: Sequence[str], *columns: Sequence[str]) -> tuple[dict[str, int], list[np.ndarray]]:
    """Integer codes: ``labels`` first in their order, then any other value met in ``columns``; each column coded."""
    code = {label: i for i, label in enumerate(labels)}
    for column in columns:
        for value in column:
            code.setdefault(value, len(code))
    return code, [np.array([code[v] for v in column], dtype=np.int64) for column in columns]


def f1_per_class(truth: np.ndarray, pred: np.ndarray, k: int) -> np.ndarray:
    """F1 of each class in each row of ``(rows, n)`` label-code matrices: ``(rows, k)``, 0 where undefined
    (as sklearn's ``zero_division=0``)."""
    rows = truth.shape[0]
    offsets = (np.arange(rows) * k)[:, None]
    hit = truth == pred
    size = rows * k
    tp = np.bincount((offsets + truth)[hit], minlength=size).reshape(rows, k)
    true_count = np.bincount((offsets + truth).ravel(), minlength=size).reshape(rows, k)
    pred_count = np.bincount((offsets + pred).ravel(), minlength=size).reshape(rows, k)
    denominator = true_count + pred_count
    return np.where(denominator > 0, 2.0 * tp / np.maximum(denominator, 1), 0.0)

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


def mcc_rows(truth: np.ndarray, pred: np.ndarray, k: int) -> np.ndarray:
    """Multiclass Matthews correlation (Gorodkin's R_K, as sklearn's) of each row; 0 where undefined."""
    rows, n = truth.shape
    offsets = (np.arange(rows) * k)[:, None]
    size = rows * k
    true_count = np.bincount((offsets + truth).ravel(), minlength=size).reshape(rows, k).astype(float)
    pred_count = np.bincount((offsets + pred).ravel(), minlength=size).reshape(rows, k).astype(float)
    correct = (truth == pred).sum(axis=1).astype(float)
    covariance = correct * n - (true_count * pred_count).sum(axis=1)
    spread = np.sqrt((n * n - (pred_count**2).sum(axis=1)) * (n * n - (true_count**2).sum(axis=1)))
    return np.where(spread > 0, covariance / np.where(spread > 0, spread, 1.0), 0.0)


def roc_auc_rows(scores: np.ndarray, positive: np.ndarray) -> np.ndarray:
    """ROC-AUC of each row (Mann-Whitney: mean rank of the positives, ties counted half); NaN without both classes."""
    from scipy.stats import rankdata

    ranks = rankdata(scores, axis=1)
    n_pos = positive.sum(axis=1).astype(float)
    n_neg = positive.shape[1] - n_pos
    rank_sum = np.where(positive, ranks, 0.0).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((n_pos > 0) & (n_neg > 0), (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg), np.nan)


def average_precision_rows(scores: np.ndarray, positive: np.ndarray) -> np.ndarray:
    """Average precision of each row, tied scores taken as one threshold (as sklearn's); NaN without positives."""
    order = np.argsort(-scores, axis=1, kind="stable")
    ranked = np.take_along_axis(scores, order, axis=1)
    hits = np.take_along_axis(positive, order, axis=1)
    tp = np.cumsum(hits, axis=1).astype(float)
    seen = np.arange(1, scores.shape[1] + 1, dtype=float)[None, :]
    # a threshold ends where the next score differs (the last of a tie group)
    ends = np.concatenate([ranked[:, 1:] != ranked[:, :-1], np.ones((scores.shape[0], 1), dtype=bool)], axis=1)
    at_end = np.where(ends, tp, 0.0)
    previous = np.concatenate([np.zeros((scores.shape[0], 1)), np.maximum.accumulate(at_end, axis=1)[:, :-1]], axis=1)
    n_pos = tp[:, -1]
    gain = np.where(ends, (tp - previous) * (tp / seen), 0.0).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n_pos > 0, gain / n_pos, np.nan)


def ece_rows(correct: np.ndarray, confidence: np.ndarray, n_bins: int) -> np.ndarray:
    """Top-label expected calibration error of each row, equal-width bins as ``evaluation.calibration``."""
    rows, n = correct.shape
    bins = np.clip(np.ceil(confidence * n_bins).astype(int) - 1, 0, n_bins - 1)
    flat = ((np.arange(rows) * n_bins)[:, None] + bins).ravel()
    size = rows * n_bins
    hits = np.bincount(flat, weights=correct.ravel().astype(float), minlength=size).reshape(rows, n_bins)
    total = np.bincount(flat, weights=confidence.ravel(), minlength=size).reshape(rows, n_bins)
    return np.abs(total - hits).sum(axis=1) / n

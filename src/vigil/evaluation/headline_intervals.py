"""Intervals for the headline test metrics: how far each number could move with other test notes.

A reviewer reading "macro-F1 0.938 on 1,800 notes" must also read how precise it
is. Accuracy is a proportion: Wilson's score interval, which stays honest at 0
and 1. Macro-F1 and the lowest critical-class F1 are not proportions: a
bootstrap over the test notes, stratified by true class as the split is. A
bootstrap collapses to one point when a class is predicted perfectly in every
resample (a small class at F1 1.000 gets [1.000, 1.000]); such an F1 falls back
to Wilson's interval on its Dice form, 2TP out of 2TP + FP + FN, which does not.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from vigil.audit.bootstrap import percentile_interval, row_blocks, stratified_index
from vigil.audit.intervals import wilson
from vigil.evaluation.resampled import (
    average_precision_rows,
    ece_rows,
    f1_per_class,
    label_codes,
    mcc_rows,
    roc_auc_rows,
)

WILSON = "wilson"
BOOTSTRAP = "bootstrap (stratified by class)"
DICE_WILSON = "wilson on 2TP/(2TP+FP+FN) (the bootstrap was degenerate)"


def _interval(low: float, high: float, method: str) -> dict[str, Any]:
    return {"low": round(float(low), 4), "high": round(float(high), 4), "method": method}


def _bootstrapped(values: np.ndarray, level: float) -> dict[str, Any]:
    low, high = percentile_interval(values, level)
    return _interval(float(low), float(high), BOOTSTRAP)


def _dice_wilson(truth: np.ndarray, pred: np.ndarray, label: int, level: float) -> tuple[float, float]:
    tp = int(((truth == label) & (pred == label)).sum())
    trials = int((truth == label).sum() + (pred == label).sum())
    low, high = wilson(2 * tp, trials, level)
    return float(low), float(high)


def _probability_intervals(
    truth: np.ndarray,
    pred: np.ndarray,
    proba: np.ndarray,
    index: np.ndarray,
    calibration_bins: int,
    level: float,
) -> dict[str, Any]:
    """ROC-AUC, PR-AUC (one-vs-rest, macro over the classes present), ECE and log-loss on the same resamples.

    Rows are processed in blocks so memory stays bounded by the block, not by resamples x notes.
    """
    present = [c for c in np.unique(truth).tolist() if c < proba.shape[1]]
    confidence = proba[np.arange(len(pred)), np.minimum(pred, proba.shape[1] - 1)]
    known = truth < proba.shape[1]
    p_true = np.where(known, proba[np.arange(len(truth)), np.where(known, truth, 0)], 0.0)
    note_loss = -np.log(np.clip(p_true, np.finfo(float).eps, 1.0))
    series: dict[str, list[np.ndarray]] = {"roc_auc_ovr": [], "pr_auc_macro": [], "ece": [], "log_loss": []}
    for rows in row_blocks(index):
        labels = truth[rows]
        if len(present) >= 2:
            series["roc_auc_ovr"].append(np.mean([roc_auc_rows(proba[rows, c], labels == c) for c in present], axis=0))
            series["pr_auc_macro"].append(
                np.mean([average_precision_rows(proba[rows, c], labels == c) for c in present], axis=0)
            )
        series["ece"].append(ece_rows(labels == pred[rows], confidence[rows], calibration_bins))
        series["log_loss"].append(note_loss[rows].mean(axis=1))
    out = {}
    for metric, parts in series.items():
        if parts:
            out[metric] = _bootstrapped(np.concatenate(parts)[1:], level)  # row 0 is the identity
    return out


def headline_intervals(
    y_true: Sequence[str],
    y_pred: Sequence[str],
    labels: Sequence[str],
    *,
    critical_classes: Sequence[str] = (),
    proba: np.ndarray | None = None,
    calibration_bins: int = 15,
    level: float = 0.95,
    resamples: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """``{"accuracy": {low, high, method}, "f1_macro": ..., "critical_f1_min": ..., "level", "resamples"}``.

    Every headline metric of ``metrics.json`` gets one: with ``proba`` (columns in
    ``labels`` order) also ROC-AUC, PR-AUC, ECE and log-loss. Macro-F1 averages over
    ``labels`` (every class of the model), as the point value does, so the interval
    brackets the number printed beside it.
    """
    out: dict[str, Any] = {"level": level, "resamples": resamples}
    if not len(y_true):
        return out
    code, (truth, pred) = label_codes(labels, y_true, y_pred)
    k = len(code)
    hits = int((truth == pred).sum())
    accuracy_low, accuracy_high = wilson(hits, len(truth), level)
    out["accuracy"] = _interval(float(accuracy_low), float(accuracy_high), WILSON)
    index = stratified_index(truth, resamples, seed)
    # Per resample, block by block (row_blocks): memory bounded by a block, not by resamples x notes.
    f1 = np.concatenate([f1_per_class(truth[rows], pred[rows], k) for rows in row_blocks(index)])[1:]  # 0: identity
    model_classes = [code[label] for label in labels]
    macro = f1[:, model_classes].mean(axis=1)
    macro_low, macro_high = percentile_interval(macro, level)
    out["f1_macro"] = _interval(float(macro_low), float(macro_high), BOOTSTRAP)
    # Resamples are stratified by true class, so every resample has the full test split's class supports.
    support = np.bincount(truth, minlength=k)[model_classes].astype(float)
    if support.sum() > 0:
        weighted = (f1[:, model_classes] * support).sum(axis=1) / support.sum()
        out["f1_weighted"] = _bootstrapped(weighted, level)
    mcc = np.concatenate([mcc_rows(truth[rows], pred[rows], k) for rows in row_blocks(index)])[1:]
    out["mcc"] = _bootstrapped(mcc, level)
    if proba is not None:
        out.update(_probability_intervals(truth, pred, np.asarray(proba, dtype=float), index, calibration_bins, level))
    tested = np.bincount(truth, minlength=k)
    critical = [code[c] for c in critical_classes if c in code and tested[code[c]] > 0]  # as metrics' critical
    if critical:
        worst = f1[:, critical].min(axis=1)
        low, high = (float(v) for v in percentile_interval(worst, level))
        if high - low > 0:
            out["critical_f1_min"] = _interval(low, high, BOOTSTRAP)
        else:  # every resample identical: the worst critical class is perfect (or empty) in all of them
            full = f1_per_class(truth[None, :], pred[None, :], k)[0]
            weakest = min(critical, key=lambda c: full[c])
            out["critical_f1_min"] = _interval(*_dice_wilson(truth, pred, weakest, level), DICE_WILSON)
    return out

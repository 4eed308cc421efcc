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

from vigil.audit.bootstrap import percentile_interval, stratified_index
from vigil.audit.intervals import wilson
from vigil.evaluation.resampled import f1_per_class, label_codes

WILSON = "wilson"
BOOTSTRAP = "bootstrap (stratified by class)"
DICE_WILSON = "wilson on 2TP/(2TP+FP+FN) (the bootstrap was degenerate)"


def _interval(low: float, high: float, method: str) -> dict[str, Any]:
    return {"low": round(float(low), 4), "high": round(float(high), 4), "method": method}


def _dice_wilson(truth: np.ndarray, pred: np.ndarray, label: int, level: float) -> tuple[float, float]:
    tp = int(((truth == label) & (pred == label)).sum())
    trials = int((truth == label).sum() + (pred == label).sum())
    low, high = wilson(2 * tp, trials, level)
    return float(low), float(high)


def headline_intervals(
    y_true: Sequence[str],
    y_pred: Sequence[str],
    labels: Sequence[str],
    *,
    critical_classes: Sequence[str] = (),
    level: float = 0.95,
    resamples: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """``{"accuracy": {low, high, method}, "f1_macro": ..., "critical_f1_min": ..., "level", "resamples"}``.

    Macro-F1 averages over ``labels`` (every class of the model), as ``metrics.json``'s
    point value does, so the interval brackets the number printed beside it.
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
    f1 = f1_per_class(truth[index], pred[index], k)[1:]  # row 0 is the identity
    model_classes = [code[label] for label in labels]
    macro = f1[:, model_classes].mean(axis=1)
    macro_low, macro_high = percentile_interval(macro, level)
    out["f1_macro"] = _interval(float(macro_low), float(macro_high), BOOTSTRAP)
    critical = [code[c] for c in critical_classes if c in code]
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

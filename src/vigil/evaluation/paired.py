"""Is the change between two models real? A paired comparison on the same test notes.

Two models scored on the same notes differ in the notes one gets right and the
other wrong; the rest of the test set carries no information about the change.
Resampling notes (not the two models' results independently) keeps that pairing,
so the interval of the *difference* is much narrower than the two metrics'
separate intervals and +0.004 macro-F1 on 1,800 notes is shown as what it is.
The reading comes from a paired randomization test (the notes' two predictions
swapped at random); accuracy also gets McNemar's exact test.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from vigil.audit.bootstrap import block_rows, percentile_interval, row_blocks, stratified_index
from vigil.evaluation.resampled import f1_per_class, label_codes

BETTER, WORSE, NOISE, SAME = "better", "worse", "within noise", "no change"


@dataclass(frozen=True)
class MetricChange:
    """One metric on the paired notes: both values, the change and its interval, and the plain reading."""

    metric: str
    base: float
    head: float
    change: float
    ci_low: float
    ci_high: float
    p_value: float  # paired randomization test: swap the two models' predictions note by note
    p_adjusted: float  # Holm-adjusted over the metrics read together; the verdict uses this one
    verdict: str
    mcnemar_p: float | None = None  # McNemar's exact test, accuracy only

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _metric_series(
    truth: np.ndarray, base: np.ndarray, head: np.ndarray, k: int, critical: list[int]
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each metric of both models for each row of the ``(rows, n)`` matrices."""
    f1_base, f1_head = f1_per_class(truth, base, k), f1_per_class(truth, head, k)
    series = {
        "accuracy": ((truth == base).mean(axis=1), (truth == head).mean(axis=1)),
        "f1_macro": (f1_base.mean(axis=1), f1_head.mean(axis=1)),
    }
    if critical:
        series["critical.f1_min"] = (f1_base[:, critical].min(axis=1), f1_head[:, critical].min(axis=1))
    return series


def _swapped_series(
    truth: np.ndarray, base: np.ndarray, head: np.ndarray, k: int, critical: list[int], rounds: int, seed: int
) -> dict[str, np.ndarray]:
    """Metric differences with the two predictions swapped at random on each note, ``rounds`` times.

    Computed in blocks so memory stays bounded by the block, not by rounds x notes.
    """
    rng = np.random.default_rng(seed)
    block = block_rows(len(truth))
    parts: dict[str, list[np.ndarray]] = {}
    for start in range(0, rounds, block):
        swap = rng.random((min(block, rounds - start), len(truth))) < 0.5
        series = _metric_series(
            np.broadcast_to(truth, swap.shape), np.where(swap, head, base), np.where(swap, base, head), k, critical
        )
        for metric, (b, h) in series.items():
            parts.setdefault(metric, []).append(h - b)
    return {metric: np.concatenate(chunks) for metric, chunks in parts.items()}


def _verdict(change: float, p_value: float, alpha: float, identical: bool) -> str:
    if identical:
        return SAME
    if p_value >= alpha or change == 0:
        return NOISE
    return BETTER if change > 0 else WORSE


def paired_changes(
    y_true: Sequence[str],
    base_pred: Sequence[str],
    head_pred: Sequence[str],
    *,
    critical_classes: Sequence[str] = (),
    resamples: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> list[MetricChange]:
    """Accuracy, macro-F1 and (with critical classes) the lowest critical-class F1, head minus base.

    The reading ("better" / "worse" / "within noise") comes from a paired
    randomization test at ``1 - confidence``, Holm-adjusted over the metrics read
    together (a reviewer reads all three, so three chances of a false "better");
    the interval from a paired bootstrap shows the size. The bootstrap alone is
    too eager when few notes changed (9 fixed and 2 broken of 1,800 gives an
    interval above zero, McNemar's p = 0.065); the randomization test is not.
    """
    from scipy.stats import binomtest  # scipy.stats costs ~1 s to import; the report stage reads this module's types

    labels = sorted(set(y_true) | set(base_pred) | set(head_pred))
    code, (truth, base, head) = label_codes(labels, y_true, base_pred, head_pred)
    if len(truth) == 0:
        return []
    k = len(labels)
    present = set(np.unique(truth).tolist())
    critical = [code[c] for c in critical_classes if c in code and code[c] in present]
    # Interval: resample notes (stratified by class, as the split is), both models on the same resample.
    index = stratified_index(truth, resamples, seed)
    blocks = [_metric_series(truth[rows], base[rows], head[rows], k, critical) for rows in row_blocks(index)]
    resampled = {
        metric: (np.concatenate([b[metric][0] for b in blocks]), np.concatenate([b[metric][1] for b in blocks]))
        for metric in blocks[0]
    }
    # Test: under "no difference" either model could have made either prediction on each note, so swap
    # the two predictions note by note at random (a paired randomization test; McNemar's logic for any metric).
    swapped = _swapped_series(truth, base, head, k, critical, resamples, seed + 1)
    right_base, right_head = truth == base, truth == head
    only_head, only_base = int((right_head & ~right_base).sum()), int((right_base & ~right_head).sum())
    mcnemar = binomtest(only_head, only_head + only_base, 0.5).pvalue if only_head + only_base else 1.0
    identical = bool(np.array_equal(base, head))
    raw: dict[str, tuple[float, float, float, float]] = {}
    for metric, (b, h) in resampled.items():
        observed = float(h[0] - b[0])
        interval = percentile_interval((h - b)[1:], confidence)
        null = swapped[metric]
        p_value = float((1 + np.sum(np.abs(null) >= abs(observed) - 1e-12)) / (1 + len(null)))
        raw[metric] = (observed, float(interval[0]), float(interval[1]), p_value)
    adjusted = holm({metric: values[3] for metric, values in raw.items()})
    changes = []
    for metric, (b, h) in resampled.items():
        observed, ci_low, ci_high, p_value = raw[metric]
        changes.append(
            MetricChange(
                metric=metric,
                base=round(float(b[0]), 4),
                head=round(float(h[0]), 4),
                change=round(observed, 4),
                ci_low=round(ci_low, 4),
                ci_high=round(ci_high, 4),
                p_value=round(p_value, 4),
                p_adjusted=round(adjusted[metric], 4),
                verdict=_verdict(observed, adjusted[metric], 1.0 - confidence, identical),
                mcnemar_p=round(float(mcnemar), 4) if metric == "accuracy" else None,
            )
        )
    return changes


def holm(p_values: dict[str, float]) -> dict[str, float]:
    """Holm's step-down adjustment: reading several metrics at once must not multiply false "better"s."""
    ordered = sorted(p_values, key=lambda k: p_values[k])
    m, running, out = len(ordered), 0.0, {}
    for rank, key in enumerate(ordered):
        running = max(running, min(1.0, (m - rank) * p_values[key]))
        out[key] = running
    return out

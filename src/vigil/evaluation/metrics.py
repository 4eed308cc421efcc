"""Classification metrics as flat, diffable keys for ``reports/metrics.json``.

Top-level scalars are what ``dvc metrics diff`` and the policy gate compare;
per-class values are nested one level (``per_class.<label>.f1``) which DVC
flattens into dotted keys. ``critical.f1_min`` is the worst F1 among the
classes a wrong answer costs most for (``data.critical_classes``), so a policy
can hold every one of them to a bar with one rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    f1_score,
    log_loss,
    matthews_corrcoef,
    precision_recall_fscore_support,
    roc_auc_score,
)
from sklearn.preprocessing import label_binarize

from vigil.evaluation.calibration import expected_calibration_error

_DIGITS = 4
DEFAULT_CALIBRATION_BINS = 15


def _r(value: float) -> float:
    return round(float(value), _DIGITS)


def _ovr_scores(y_true: Sequence[str], proba: np.ndarray, labels: list[str]) -> dict[str, float | None]:
    """ROC-AUC and PR-AUC one-vs-rest (macro); ``None`` when a class is absent from the test set."""
    present = sorted(set(y_true))
    if len(present) < 2:
        return {"roc_auc_ovr": None, "pr_auc_macro": None}
    onehot = label_binarize(list(y_true), classes=labels)
    columns = [i for i, label in enumerate(labels) if label in present]
    return {
        "roc_auc_ovr": _r(roc_auc_score(onehot[:, columns], proba[:, columns], average="macro")),
        "pr_auc_macro": _r(average_precision_score(onehot[:, columns], proba[:, columns], average="macro")),
    }


def _critical(per_class: dict[str, dict[str, Any]], critical_classes: Sequence[str]) -> dict[str, Any]:
    """Worst F1 and recall over the critical classes the model knows; the others are named as not measured.

    Ingest refuses a critical class that is no label of the data (a typo); one that is a label but too rare
    to keep (``rare_labels: drop``) is not a label of the model, and one without a test record has no recall
    (not a recall of 0): each is listed with why, and when no critical class is left the scores are null and
    declared not assessable.
    """
    measured = [c for c in critical_classes if c in per_class and per_class[c]["support"] > 0]
    absent = {
        c: "no record in the test split" if c in per_class else "not a label of the model (too rare: dropped at ingest)"
        for c in critical_classes
        if c not in measured
    }
    f1 = {label: per_class[label]["f1"] for label in measured}
    recall = {label: per_class[label]["recall"] for label in measured}
    result: dict[str, Any] = {
        "f1_min": min(f1.values()) if f1 else None,
        "recall_min": min(recall.values()) if recall else None,
        "f1": f1,
    }
    if absent:
        result["not_measured"] = absent
    if not measured:
        listed = "; ".join(f"{label!r}: {why}" for label, why in absent.items())
        reason = f"not assessable: no critical class can be measured on the test split ({listed}); add records of them"
        result["not_assessable"] = {"f1_min": reason, "recall_min": reason}
    return result


def classification_metrics(
    y_true: Sequence[str],
    y_pred: Sequence[str],
    proba: np.ndarray,
    labels: list[str],
    *,
    critical_classes: Sequence[str] = (),
    calibration_bins: int = DEFAULT_CALIBRATION_BINS,
) -> dict[str, Any]:
    """Accuracy, F1 macro/micro/weighted, MCC, ROC-AUC OvR, PR-AUC, calibration, per-class and critical-class scores.

    ``y_pred`` is the model's decision (which may differ from the arg-max when
    per-class offsets are tuned); calibration is measured on the confidence of
    that decision.
    """
    precision, recall, f1, support = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    index = {label: i for i, label in enumerate(labels)}
    confidence = proba[np.arange(len(y_pred)), [index[p] for p in y_pred]]
    metrics: dict[str, Any] = {
        "n_test": len(y_true),
        "accuracy": _r(accuracy_score(y_true, y_pred)),
        "f1_macro": _r(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)),
        "f1_micro": _r(f1_score(y_true, y_pred, labels=labels, average="micro", zero_division=0)),
        "f1_weighted": _r(f1_score(y_true, y_pred, labels=labels, average="weighted", zero_division=0)),
        "mcc": _r(matthews_corrcoef(y_true, y_pred)),
        **_ovr_scores(y_true, proba, labels),
        "ece": _r(expected_calibration_error(y_true, y_pred, confidence, calibration_bins)),
        "log_loss": _r(log_loss(list(y_true), proba, labels=labels)),
        "per_class": {
            label: {"precision": _r(p), "recall": _r(r), "f1": _r(f), "support": int(s)}
            for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
        },
    }
    metrics["critical"] = _critical(metrics["per_class"], critical_classes) if critical_classes else _no_critical()
    return metrics


NO_CRITICAL_CLASSES = (
    "not assessable: the data configuration names no critical class (data.critical_classes is empty); "
    "list the failure modes whose misses are safety-relevant"
)


def _no_critical() -> dict[str, Any]:
    """No class declared critical: the critical-class scores are null and say why (a rule reads not assessable)."""
    return {
        "f1_min": None,
        "recall_min": None,
        "f1": {},
        "not_assessable": {"f1_min": NO_CRITICAL_CLASSES, "recall_min": NO_CRITICAL_CLASSES},
    }

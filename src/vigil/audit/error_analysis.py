"""Error analysis: which classes the model confuses, and which cohorts it fails most.

A cohort is a group (of any grouping in the fairness report) x a true class.
Cohorts are ranked by the *lower* bound of their error rate's interval, so a
three-record cohort with two errors does not outrank a 200-record cohort with a
steady 15 % error rate; cohorts below ``min_class_support`` are left out of
the ranking (they are in the fairness report with status insufficient_data).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from sklearn.metrics import confusion_matrix

from vigil.audit.disparity import rounded
from vigil.audit.fairness import RESERVED_KEYS


def confused_pairs(y_true: Sequence[str], y_pred: Sequence[str], labels: list[str], top: int) -> list[dict[str, Any]]:
    """The ``top`` (true, predicted) pairs by count, with the share of the true class they take."""
    matrix = confusion_matrix(list(y_true), list(y_pred), labels=labels)
    totals = matrix.sum(axis=1)
    pairs = [
        (int(matrix[i, j]), labels[i], labels[j], int(totals[i]))
        for i in range(len(labels))
        for j in range(len(labels))
        if i != j and matrix[i, j] > 0
    ]
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
    return [
        {"true": t, "predicted": p, "count": n, "share_of_true": rounded(n / total)} for n, t, p, total in pairs[:top]
    ]


def worst_cohorts(fairness: Mapping[str, Any], overall_recall: Mapping[str, float], top: int) -> list[dict[str, Any]]:
    """Group x class cohorts with the highest error rate (1 - recall), ranked by the interval's lower bound."""
    cohorts: list[dict[str, Any]] = []
    for key, block in fairness.items():
        if key in RESERVED_KEYS:
            continue
        for group in block["groups"]:
            for label, scores in group.get("per_class", {}).items():
                if scores.get("recall") is None:
                    continue
                error = 1.0 - scores["recall"]
                cohorts.append(
                    {
                        "grouping": key,
                        "group": group["group"],
                        "class": label,
                        "support": scores["support"],
                        "error_rate": rounded(error),
                        "error_rate_ci_low": rounded(1.0 - scores["recall_ci_high"]),
                        "error_rate_ci_high": rounded(1.0 - scores["recall_ci_low"]),
                        "class_error_rate": rounded(1.0 - overall_recall[label]),
                    }
                )
    cohorts.sort(key=lambda c: (-c["error_rate_ci_low"], -c["error_rate"], c["grouping"], c["group"], c["class"]))
    return cohorts[:top]


def error_analysis(
    y_true: Sequence[str],
    y_pred: Sequence[str],
    labels: list[str],
    fairness: Mapping[str, Any],
    *,
    top_pairs: int,
    top_cohorts: int,
) -> dict[str, Any]:
    """Confused pairs and worst cohorts, plus the error count they are read against."""
    truth, predicted = np.asarray(list(y_true)), np.asarray(list(y_pred))
    recall = {label: float((predicted[truth == label] == label).mean()) for label in labels if (truth == label).any()}
    return {
        "n_errors": int((truth != predicted).sum()),
        "error_rate": rounded((truth != predicted).mean()),
        "confused_pairs": confused_pairs(truth.tolist(), predicted.tolist(), labels, top_pairs),
        "worst_cohorts": worst_cohorts(fairness, recall, top_cohorts),
    }

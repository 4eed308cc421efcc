"""The exploratory profile a data scientist starts from (``reports/data_quality.json``).

Counts and distributions only: no text value and no identifier ever appears
here, because this file is a report that reaches PR comments and the PDF. It is
computed from :class:`~vigil.data.record_stats.RecordSummary`, what ingest kept
of each record, so profiling 50 M records does not need their text in memory.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from vigil.data.record_stats import RecordSummary

MAX_NAMED_QUARANTINED = 100
SHORT_NOTE_WORDS = 2  # "OK", "NO DEFECT": a note that says too little to classify or to audit


def _stats(values: np.ndarray) -> dict[str, float]:
    arr = values.astype(float)
    return {
        "min": float(arr.min()),
        "p50": float(np.percentile(arr, 50)),
        "mean": round(float(arr.mean()), 2),
        "p95": float(np.percentile(arr, 95)),
        "max": float(arr.max()),
    }


def _distribution(counts: list[tuple[str, int]]) -> dict[str, dict[str, float]]:
    total = sum(n for _, n in counts)
    return {value: {"count": n, "share": round(n / total, 4)} for value, n in counts}


def _rows_in_repeated_values(hashes: np.ndarray) -> int:
    """Rows whose value occurs more than once (``Series.duplicated(keep=False).sum()``)."""
    _, inverse, counts = np.unique(hashes, return_inverse=True, return_counts=True)
    return int((counts[inverse] > 1).sum())


def _duplicates(summary: RecordSummary) -> dict[str, int]:
    """Exact and case/space-normalised duplicate texts, and those whose labels disagree."""
    pairs = np.unique(np.stack([summary.normalised_hash, summary.labels.astype(np.uint64)], axis=1), axis=0)
    _, labels_per_text = np.unique(pairs[:, 0], return_counts=True)
    return {
        "exact_text_rows": _rows_in_repeated_values(summary.text_hash),
        "normalised_text_rows": _rows_in_repeated_values(summary.normalised_hash),
        "texts_with_conflicting_labels": int((labels_per_text > 1).sum()),
    }


def profile_dataset(
    summary: RecordSummary,
    group_columns: list[str],
    *,
    source: dict[str, Any],
    dropped_rare_labels: dict[str, int],
    unlabelled: dict[str, int] | None = None,
    quarantined: list[dict[str, Any]] | None = None,
    missing_group_values: dict[str, int],
) -> dict[str, Any]:
    """Build the data-quality report for the validated records."""
    label_counts = summary.counts("label")
    counts = np.array([n for _, n in label_counts])
    report: dict[str, Any] = {
        "source": source,
        "n_records": summary.n_records,
        "n_labels": len(label_counts),
        "label_distribution": _distribution(label_counts),
        "imbalance_ratio": round(float(counts.max() / counts.min()), 2),
        "text_length": {
            "chars": _stats(summary.chars),
            "tokens": _stats(summary.tokens),
            "chars_per_label": {
                label: _stats(summary.chars[summary.labels == summary.label_names.index(label)])
                for label in sorted(name for name, _ in label_counts)
            },
        },
        "all_caps_share": round(float(summary.all_caps.mean()), 4),
        "short_notes": int((summary.tokens <= SHORT_NOTE_WORDS).sum()),
        "groups": {g: _distribution(summary.counts(g)) for g in group_columns},
        "missing_values": {"group_columns": missing_group_values},
        "duplicates": _duplicates(summary),
        "dropped": {
            "rare_labels": dropped_rare_labels,
            "unlabelled": dict(unlabelled or {}),
            "quarantined_rows": len(quarantined or []),
            # Where, never what: a quarantined row's values may hold personal data (the first 100 are named).
            "quarantined": list(quarantined or [])[:MAX_NAMED_QUARANTINED],
        },
    }
    dates = summary.created_at
    if dates is not None and not np.isnat(dates).all():
        present = dates[~np.isnat(dates)]
        report["created_at"] = {
            "min": pd.Timestamp(present.min()).isoformat(),
            "max": pd.Timestamp(present.max()).isoformat(),
            "missing": int(np.isnat(dates).sum()),
        }
    return report

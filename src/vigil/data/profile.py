"""The exploratory profile a data scientist starts from (``reports/data_quality.json``).

Counts and distributions only: no text value and no identifier ever appears
here, because this file is a report that reaches PR comments and the PDF.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from vigil.data.schema import CREATED_AT, LABEL, TEXT


def _stats(values: pd.Series) -> dict[str, float]:
    arr = values.to_numpy(dtype=float)
    return {
        "min": float(arr.min()),
        "p50": float(np.percentile(arr, 50)),
        "mean": round(float(arr.mean()), 2),
        "p95": float(np.percentile(arr, 95)),
        "max": float(arr.max()),
    }


def _distribution(series: pd.Series) -> dict[str, dict[str, float]]:
    counts = series.value_counts()
    total = int(counts.sum())
    return {str(k): {"count": int(v), "share": round(int(v) / total, 4)} for k, v in counts.items()}


def _duplicates(frame: pd.DataFrame) -> dict[str, int]:
    """Exact and case/space-normalised duplicate texts, and those whose labels disagree."""
    normalised = frame[TEXT].str.lower().str.split().str.join(" ")
    labels_per_text = frame.groupby(normalised)[LABEL].nunique()
    return {
        "exact_text_rows": int(frame[TEXT].duplicated(keep=False).sum()),
        "normalised_text_rows": int(normalised.duplicated(keep=False).sum()),
        "texts_with_conflicting_labels": int((labels_per_text > 1).sum()),
    }


def profile_dataset(
    frame: pd.DataFrame,
    group_columns: list[str],
    *,
    source: dict[str, Any],
    dropped_rare_labels: dict[str, int],
    missing_group_values: dict[str, int],
) -> dict[str, Any]:
    """Build the data-quality report for the validated internal frame."""
    chars = frame[TEXT].str.len()
    tokens = frame[TEXT].str.split().str.len()
    counts = frame[LABEL].value_counts()
    upper = frame[TEXT].map(lambda t: t.isupper())
    report: dict[str, Any] = {
        "source": source,
        "n_records": int(len(frame)),
        "n_labels": int(counts.size),
        "label_distribution": _distribution(frame[LABEL]),
        "imbalance_ratio": round(float(counts.max() / counts.min()), 2),
        "text_length": {
            "chars": _stats(chars),
            "tokens": _stats(tokens),
            "chars_per_label": {str(label): _stats(chars[frame[LABEL] == label]) for label in sorted(counts.index)},
        },
        "all_caps_share": round(float(upper.mean()), 4),
        "groups": {g: _distribution(frame[g]) for g in group_columns},
        "missing_values": {"group_columns": missing_group_values},
        "duplicates": _duplicates(frame),
        "dropped": {"rare_labels": dropped_rare_labels},
    }
    if CREATED_AT in frame.columns and frame[CREATED_AT].notna().any():
        dates = frame[CREATED_AT].dropna()
        report["created_at"] = {
            "min": dates.min().isoformat(),
            "max": dates.max().isoformat(),
            "missing": int(frame[CREATED_AT].isna().sum()),
        }
    return report

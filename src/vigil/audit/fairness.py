"""Does the model serve every group equally well? Per-group metrics, gaps, intervals.

Point estimates per group come from fairlearn's ``MetricFrame`` (accuracy,
macro-F1 and, because demographic parity is a binary notion in fairlearn, one
one-vs-rest recall / precision / selection rate per class). Intervals are
Wilson score intervals for the proportions (:mod:`vigil.audit.intervals`) and
a seeded bootstrap stratified by group for macro-F1 and the ratios
(:mod:`vigil.audit.bootstrap`); gaps come from :mod:`vigil.audit.disparity`. Groups smaller than
``min_group_size`` are listed with status ``insufficient_data`` and excluded
from every comparison; a per-class metric needs ``min_class_support`` true
(recall) or predicted (precision) examples in the group.

The report nests by grouping so a policy reads a stable dotted key such as
``fairness.region.f1_macro.max_gap`` (see ``policies/README.md``).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from fairlearn.metrics import MetricFrame, selection_rate
from sklearn.metrics import accuracy_score, f1_score

from vigil.audit.bootstrap import percentile_interval, row_blocks, stratified_index
from vigil.audit.counts import confusion_counts, group_metrics
from vigil.audit.disparity import disparity, rounded
from vigil.audit.groups import Grouping, empty_cells, finest_cells, group_labels, groupings
from vigil.audit.intervals import wilson
from vigil.config_section import from_section
from vigil.errors import VigilError

GROUP_METRICS = ("accuracy", "f1_macro")
CLASS_METRICS = ("recall", "precision", "selection_rate")
# Top-level keys of reports/fairness.json that are not groupings.
RESERVED_KEYS = ("config", "overall", "summary", "error_analysis", "mitigation")
# Keys of audit.fairness that the error analysis reads (vigil.audit.error_analysis), not the fairness audit.
ERROR_ANALYSIS_KEYS = ("top_confused_pairs", "top_cohorts")


@dataclass(frozen=True)
class FairnessConfig:
    """``audit.fairness`` from params.yaml, validated."""

    features: tuple[str, ...]
    intersections: str | tuple[tuple[str, ...], ...] = "pairs"
    min_group_size: int = 30
    min_class_support: int = 10
    resamples: int = 1000
    confidence: float = 0.95
    max_categories: int = 20
    numeric_bins: int = 4
    seed: int = 0

    @classmethod
    def from_params(cls, fairness: Mapping[str, Any], features: Sequence[str], seed: int) -> FairnessConfig:
        config = from_section(
            cls,
            fairness,
            "audit.fairness",
            keys={"resamples": "bootstrap.resamples", "confidence": "bootstrap.confidence"},
            ignore=ERROR_ANALYSIS_KEYS,
            features=tuple(features),
            seed=seed,
        )
        if not 0.5 < config.confidence < 1.0:
            raise VigilError(
                f"params.yaml: audit.fairness.bootstrap.confidence must be in (0.5, 1), got {config.confidence}"
            )
        if config.resamples < 100:
            raise VigilError(f"params.yaml: audit.fairness.bootstrap.resamples must be >= 100, got {config.resamples}")
        if config.min_group_size < 1 or config.min_class_support < 1:
            raise VigilError("params.yaml: audit.fairness.min_group_size and min_class_support must be >= 1")
        groupings(config.features, config.intersections)  # validates the intersections now, not mid-stage
        reserved = sorted(set(config.features) & set(RESERVED_KEYS))
        if reserved:
            raise VigilError(f"params.yaml: data.sensitive_features may not be named {reserved} (report keys)")
        return config

    def describe(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "intersections": self.intersections
            if isinstance(self.intersections, str)
            else [list(c) for c in self.intersections],
            "min_group_size": self.min_group_size,
            "min_class_support": self.min_class_support,
            "bootstrap": {"resamples": self.resamples, "confidence": self.confidence, "seed": self.seed},
            "max_categories": self.max_categories,
            "numeric_bins": self.numeric_bins,
        }


def _rate(hits: np.ndarray, among: np.ndarray) -> float:
    """Share of ``hits`` among the records where ``among`` holds; NaN when there are none."""
    n = int(among.sum())
    return float(hits[among].sum()) / n if n else float("nan")


def ovr_recall(label: int, y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """One-vs-rest recall of ``label`` (true-positive rate); NaN when the group has no true example."""
    return _rate(np.asarray(y_pred) == label, np.asarray(y_true) == label)


def ovr_precision(label: int, y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """One-vs-rest precision of ``label``; NaN when the group has no prediction of it."""
    return _rate(np.asarray(y_true) == label, np.asarray(y_pred) == label)


def ovr_selection_rate(label: int, y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Share of the group predicted as ``label`` (fairlearn's selection rate, one class at a time)."""
    return selection_rate(np.asarray(y_true) == label, np.asarray(y_pred) == label, pos_label=True)


_CLASS_FUNCTIONS = {"recall": ovr_recall, "precision": ovr_precision, "selection_rate": ovr_selection_rate}


def _metric_functions(labels: Sequence[str]) -> dict[str, Any]:
    """MetricFrame metrics on label codes: overall ones plus one-vs-rest per class (``recall|<label>``).

    Labels are passed as integer codes and the one-vs-rest functions are plain
    numpy: with string labels and scikit-learn's per-call argument validation,
    the default audit (29 metrics x 6 groupings) took 15 s instead of 5.5 s.
    """
    functions: dict[str, Any] = {
        "accuracy": accuracy_score,
        "f1_macro": functools.partial(f1_score, average="macro", zero_division=0),
    }
    for code, label in enumerate(labels):
        for metric, function in _CLASS_FUNCTIONS.items():
            functions[f"{metric}|{label}"] = functools.partial(function, code)
    return functions


def _point_estimates(
    y_true: np.ndarray, y_pred: np.ndarray, groups: np.ndarray, names: Sequence[Any], labels: Sequence[str]
) -> pd.DataFrame:
    """MetricFrame ``by_group`` reindexed to ``names`` (one row per group, one column per metric)."""
    frame = MetricFrame(
        metrics=_metric_functions(labels), y_true=y_true, y_pred=y_pred, sensitive_features=pd.Series(groups, name="g")
    )
    return frame.by_group.reindex(names).astype(float)


@dataclass(frozen=True)
class _EvaluableGroups:
    """Point estimates, observed counts and bootstrap metrics of the groups large enough to compare."""

    names: list[str]
    point: pd.DataFrame  # one row per group, one column per metric (MetricFrame)
    observed: np.ndarray  # (G, K, K) confusion counts
    boot: dict[str, np.ndarray]  # metric -> (B, G) or (B, G, K)

    def true_count(self, k: int) -> np.ndarray:
        return self.observed[:, k, :].sum(axis=1)

    def predicted_count(self, k: int) -> np.ndarray:
        return self.observed[:, :, k].sum(axis=1)

    def proportion(self, metric: str, k: int | None = None) -> tuple[np.ndarray, np.ndarray] | None:
        """(successes, trials) per group for proportion metrics; None for macro-F1."""
        support = self.observed.sum(axis=(1, 2))
        if metric == "accuracy":
            return np.trace(self.observed, axis1=1, axis2=2), support
        if k is None:
            return None
        tp = self.observed[:, k, k]
        return {
            "recall": (tp, self.true_count(k)),
            "precision": (tp, self.predicted_count(k)),
            "selection_rate": (self.predicted_count(k), support),
        }[metric]

    def interval(self, metric: str, j: int, k: int | None, confidence: float) -> tuple[float, float]:
        """Wilson interval for proportions, bootstrap percentile interval for macro-F1.

        A group classified perfectly is perfect in every resample, so its bootstrap
        macro-F1 interval collapses to [1, 1] (58 notes would then look certain). Its
        macro-F1 then equals its accuracy, whose Wilson interval does not collapse.
        """
        fraction = self.proportion(metric, k)
        if fraction is not None:
            low, high = wilson(fraction[0][j], fraction[1][j], confidence)
        else:
            low, high = percentile_interval(self.boot[metric][:, j], confidence)
            correct, support = self.proportion("accuracy") or (np.zeros(1), np.zeros(1))
            if float(high) - float(low) <= 0 and correct[j] == support[j] > 0:
                low, high = wilson(correct[j], support[j], confidence)
        return float(low), float(high)


def _evaluable_groups(
    codes: np.ndarray,
    evaluable: np.ndarray,
    names: list[str],
    records: tuple[np.ndarray, np.ndarray],
    labels: list[str],
    index: np.ndarray,
) -> _EvaluableGroups:
    """Metrics of the evaluable groups only (smaller groups are reported by size alone)."""
    true_codes, pred_codes = records
    remap = np.full(len(names), -1)
    remap[evaluable] = np.arange(len(evaluable))
    keep = remap[codes] >= 0
    sub_codes = remap[codes][keep]
    sub_names = [names[i] for i in evaluable]
    point = _point_estimates(true_codes[keep], pred_codes[keep], sub_codes, list(range(len(evaluable))), labels)
    point.index = sub_names
    kept_true, kept_pred = true_codes[keep], pred_codes[keep]
    counts = np.concatenate(
        [
            confusion_counts(
                sub_codes,
                kept_true,
                kept_pred,
                len(evaluable),
                len(labels),
                rows if keep.all() else _reindex(rows, keep),
            )
            for rows in row_blocks(index)  # per resample, a block at a time: memory bounded by the block
        ]
    )
    return _EvaluableGroups(names=sub_names, point=point, observed=counts[0], boot=group_metrics(counts[1:]))


def _group_entry(stats: _EvaluableGroups, j: int, labels: list[str], config: FairnessConfig) -> dict[str, Any]:
    """One evaluable group: overall metrics and per-class one-vs-rest metrics, each with its interval."""
    name = stats.names[j]
    entry: dict[str, Any] = {"status": "ok"}
    for metric in GROUP_METRICS:
        low, high = stats.interval(metric, j, None, config.confidence)
        entry[metric] = rounded(stats.point.loc[name, metric])
        entry[f"{metric}_ci_low"], entry[f"{metric}_ci_high"] = rounded(low), rounded(high)
    per_class: dict[str, Any] = {}
    for k, label in enumerate(labels):
        support, predicted = int(stats.true_count(k)[j]), int(stats.predicted_count(k)[j])
        cls_entry: dict[str, Any] = {"support": support, "predicted": predicted}
        for metric in CLASS_METRICS:
            if not _class_metric_usable(metric, support, predicted, config.min_class_support):
                cls_entry[metric] = None
                cls_entry[f"{metric}_status"] = "insufficient_data"
                continue
            low, high = stats.interval(metric, j, k, config.confidence)
            cls_entry[metric] = rounded(stats.point.loc[name, f"{metric}|{label}"])
            cls_entry[f"{metric}_ci_low"], cls_entry[f"{metric}_ci_high"] = rounded(low), rounded(high)
        per_class[label] = cls_entry
    entry["per_class"] = per_class
    return entry


def _disparities(stats: _EvaluableGroups | None, labels: list[str], config: FairnessConfig) -> dict[str, Any]:
    """Gap/ratio per group metric and per class x one-vs-rest metric."""
    if stats is None:
        none = disparity(np.array([]), np.empty((0, 0)), np.array([], dtype=bool), [], config.confidence)
        per_class = {label: dict.fromkeys(CLASS_METRICS, none) for label in labels}
        return {**dict.fromkeys(GROUP_METRICS, none), "per_class": per_class}
    all_groups = np.ones(len(stats.names), dtype=bool)
    out: dict[str, Any] = {
        m: disparity(
            stats.point[m].to_numpy(),
            stats.boot[m],
            all_groups,
            stats.names,
            config.confidence,
            proportion=stats.proportion(m),
        )
        for m in GROUP_METRICS
    }
    out["per_class"] = {}
    for k, label in enumerate(labels):
        usable = {
            "recall": stats.true_count(k) >= config.min_class_support,
            "precision": stats.predicted_count(k) >= config.min_class_support,
            "selection_rate": all_groups,
        }
        out["per_class"][label] = {
            m: disparity(
                stats.point[f"{m}|{label}"].to_numpy(),
                stats.boot[m][:, :, k],
                usable[m],
                stats.names,
                config.confidence,
                family_size=len(labels),
                proportion=stats.proportion(m, k),
            )
            for m in CLASS_METRICS
        }
    return out


MAX_LISTED_EMPTY_CELLS = 100


def _audit_grouping(
    grouping: Grouping,
    group_of: np.ndarray,
    empty: list[str],
    records: tuple[np.ndarray, np.ndarray],
    labels: list[str],
    index: np.ndarray,
    config: FairnessConfig,
    binned: Sequence[str],
) -> dict[str, Any]:
    unique, codes = np.unique(group_of, return_inverse=True)
    names = [str(n) for n in unique]
    support = np.bincount(codes, minlength=len(names))
    enough = support >= config.min_group_size
    evaluable = np.flatnonzero(enough)
    stats = _evaluable_groups(codes, evaluable, names, records, labels, index) if len(evaluable) else None
    groups_out: list[dict[str, Any]] = []
    position = {int(g): j for j, g in enumerate(evaluable)}
    for i, name in enumerate(names):
        entry: dict[str, Any] = {"group": name, "support": int(support[i])}
        if stats is None or i not in position:
            entry["status"] = "insufficient_data"
        else:
            entry.update(_group_entry(stats, position[i], labels, config))
        groups_out.append(entry)
    return {
        "columns": list(grouping.columns),
        "binned": [c for c in grouping.columns if c in binned],
        "n_groups": len(names),
        "groups_compared": int(enough.sum()),
        "insufficient_data": [n for n, ok in zip(names, enough, strict=True) if not ok],
        "n_empty_cells": len(empty),
        "empty_cells": empty[:MAX_LISTED_EMPTY_CELLS],
        "groups": groups_out,
        **_disparities(stats, labels, config),
    }


def _reindex(index: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Map a resample index over all records to one over the kept records only.

    Resampling is stratified by the finest cell, which never mixes an evaluable
    group with another group, so every kept record's draws are kept records.
    """
    position = np.cumsum(keep) - 1
    kept_rows = keep[index]
    width = int(keep.sum())
    out = np.empty((index.shape[0], width), dtype=np.int64)
    for row in range(index.shape[0]):
        out[row] = position[index[row][kept_rows[row]]]
    return out


def _class_metric_usable(metric: str, support: int, predicted: int, minimum: int) -> bool:
    if metric == "recall":
        return support >= minimum
    if metric == "precision":
        return predicted >= minimum
    return True


def _group_sizes(report: Mapping[str, Any], keys: Sequence[str]) -> str:
    """``"region: br_ne 13, br_se 6"``: the test records per group, for a not-assessable reason."""
    return "; ".join(
        f"{key}: " + ", ".join(f"{g['group']} {g['support']}" for g in report[key]["groups"]) for key in keys
    )


def _summary(report: Mapping[str, Any], keys: Sequence[str], config: FairnessConfig) -> dict[str, Any]:
    """Worst gaps across all groupings: what a one-line policy reads.

    Policies read effect sizes, the lower ends of the gaps' intervals: a gap of
    at least this size is established, on 1,000 test records as on 100,000.
    ``significant_gaps`` (intervals excluding zero) is kept as information only:
    with more records every nonzero gap becomes significant, so that count grew
    from 5 to 51 between 12 k and 192 k generated notes (issue 21's measurement).

    A gap no grouping can measure (fewer than two groups with ``min_group_size`` test
    records) is null *and* declared in ``not_assessable`` with the reason and the size
    needed, so the gate reports "not assessable" rather than a missing metric.
    """
    summary: dict[str, Any] = {"groupings": len(keys)}
    candidates: dict[str, list[tuple[float, float, str]]] = {m: [] for m in (*GROUP_METRICS, *CLASS_METRICS)}
    significant = 0
    for key in keys:
        block = report[key]
        for metric in GROUP_METRICS:
            d = block[metric]
            if d["max_gap"] is not None:
                candidates[metric].append((d["max_gap"], d["max_gap_ci_low"], key))
                significant += int(d["significant"])
        for label, metrics in block["per_class"].items():
            for metric, d in metrics.items():
                if d["max_gap"] is not None:
                    candidates[metric].append((d["max_gap"], d["max_gap_ci_low"], f"{key}/{label}"))
                    significant += int(d["significant"])
    established = [
        (low, f"{metric}: {where}")
        for metric, values in candidates.items()
        for _, low, where in values
        if low is not None
    ]
    if established:
        summary["max_gap_ci_low"], summary["max_gap_ci_low_where"] = max(established)
    else:
        summary["max_gap_ci_low"] = summary["max_gap_ci_low_where"] = None
    for metric, values in candidates.items():
        if values:
            gap, _, where = max(values)
            summary[f"max_{metric}_gap"] = gap
            summary[f"max_{metric}_gap_where"] = where
            summary[f"max_{metric}_gap_ci_low"] = max(low for _, low, _ in values)
        else:
            summary[f"max_{metric}_gap"] = summary[f"max_{metric}_gap_ci_low"] = None
            need = (
                f"two groups with at least {config.min_group_size} test records"
                if metric in GROUP_METRICS
                else f"a class with at least {config.min_class_support} test records in each of two groups"
            )
            reason = f"insufficient data: no grouping has {need} ({_group_sizes(report, keys) or 'no groupings'})"
            not_assessable = summary.setdefault("not_assessable", {})
            not_assessable[f"max_{metric}_gap"] = not_assessable[f"max_{metric}_gap_ci_low"] = reason
    if summary["max_gap_ci_low"] is None:
        summary.setdefault("not_assessable", {})["max_gap_ci_low"] = summary["not_assessable"]["max_accuracy_gap"]
    summary["significant_gaps"] = significant
    summary["insufficient_groups"] = sum(len(report[k]["insufficient_data"]) for k in keys)
    return summary


def audit_fairness(
    predictions: pd.DataFrame, labels: Sequence[str], config: FairnessConfig, *, source: str
) -> dict[str, Any]:
    """The fairness report for a predictions table (``y_true``, ``y_pred`` and the group columns)."""
    labels = [str(label) for label in labels]
    groups = groupings(config.features, config.intersections)
    frame = group_labels(
        predictions, groups, source=source, max_categories=config.max_categories, numeric_bins=config.numeric_bins
    )
    code_of = {label: i for i, label in enumerate(labels)}
    y_true = predictions["y_true"].astype(str).to_numpy()
    y_pred = predictions["y_pred"].astype(str).to_numpy()
    unknown = sorted(set(y_true) - set(code_of))
    if unknown:
        raise VigilError(f"{source}: column 'y_true' has labels the model does not know: {unknown[:5]}")
    true_codes = np.array([code_of[v] for v in y_true], dtype=np.int64)
    pred_codes = np.array([code_of[v] for v in y_pred], dtype=np.int64)
    index = stratified_index(finest_cells(frame, groups), config.resamples, config.seed) if groups else None
    records = (true_codes, pred_codes)
    report: dict[str, Any] = {
        "config": config.describe(),
        "overall": {
            "n": len(predictions),
            "accuracy": rounded(accuracy_score(y_true, y_pred)),
            "f1_macro": rounded(f1_score(y_true, y_pred, average="macro", zero_division=0)),
        },
    }
    for grouping in groups:
        report[grouping.key] = _audit_grouping(
            grouping,
            frame.labels[grouping.key],
            empty_cells(frame, grouping),
            records,
            labels,
            index,
            config,
            frame.binned,
        )
    report["summary"] = _summary(report, [g.key for g in groups], config) if groups else _no_groups_summary()
    return report


NO_GROUP_COLUMNS = (
    "not assessable: the data configuration names no group column (data.sensitive_features is empty), "
    "so no group could be compared; add the columns that identify who or what could be treated "
    "differently (region, site, language, ...)"
)


def _no_groups_summary() -> dict[str, Any]:
    """The summary of an audit with nothing to compare: every gap null and declared not assessable, with why.

    A dataset without group columns is common (``vigil data init`` finds none in many exports); the run
    completes and says so, and FAIR-005 reports "not assessable" with this reason instead of a crash
    minutes into the run.
    """
    metrics = (*GROUP_METRICS, *CLASS_METRICS)
    summary: dict[str, Any] = {"groupings": None, "max_gap_ci_low": None, "max_gap_ci_low_where": None}
    for metric in metrics:
        summary[f"max_{metric}_gap"] = summary[f"max_{metric}_gap_ci_low"] = None
    summary["not_assessable"] = {
        "groupings": NO_GROUP_COLUMNS,
        "max_gap_ci_low": NO_GROUP_COLUMNS,
        **{f"max_{metric}_gap{suffix}": NO_GROUP_COLUMNS for metric in metrics for suffix in ("", "_ci_low")},
    }
    summary["significant_gaps"] = 0
    summary["insufficient_groups"] = 0
    return summary

"""Which groupings the fairness audit compares, and each record's group in them.

A *grouping* is one sensitive feature (``region``) or an intersection of several
(``region+dealer_type``). Every value becomes a group, including missing values
(``(missing)``) and numeric columns: a numeric column with many distinct values is
binned into quantile ranges instead of being dropped, because a silently
dropped feature is an audit that claims more than it checked.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from vigil.errors import VigilError

MISSING = "(missing)"
INTERSECTION_JOIN = "+"
CELL_JOIN = " & "
INTERSECTION_MODES = ("none", "pairs", "all")


@dataclass(frozen=True)
class Grouping:
    """One sensitive feature or an intersection; ``key`` is its name in ``reports/fairness.json``."""

    columns: tuple[str, ...]

    @property
    def key(self) -> str:
        return INTERSECTION_JOIN.join(self.columns)


def groupings(features: Sequence[str], intersections: str | Sequence[Sequence[str]]) -> list[Grouping]:
    """Single features first, then intersections (``none``, ``pairs``, ``all`` or an explicit list)."""
    features = list(features)
    singles = [Grouping((f,)) for f in features]
    if isinstance(intersections, str):
        if intersections not in INTERSECTION_MODES:
            raise VigilError(
                f"params.yaml: audit.fairness.intersections must be one of {list(INTERSECTION_MODES)} "
                f"or a list of feature lists, got {intersections!r}"
            )
        sizes = {"none": [], "pairs": [2], "all": range(2, len(features) + 1)}[intersections]
        combos = [c for size in sizes for c in itertools.combinations(features, size)]
    else:
        combos = [tuple(c) for c in intersections]
        for combo in combos:
            unknown = [c for c in combo if c not in features]
            if unknown or len(combo) < 2 or len(set(combo)) != len(combo):
                raise VigilError(
                    f"params.yaml: audit.fairness.intersections entry {list(combo)} must name >= 2 distinct "
                    f"features from data.sensitive_features {features}"
                )
    return singles + [Grouping(tuple(c)) for c in combos]


def categorical(values: pd.Series, *, max_categories: int, numeric_bins: int) -> tuple[pd.Series, bool]:
    """Values as group labels (strings); numeric columns with many values become quantile bins.

    Returns the labels and whether binning happened (reported, so a reviewer
    knows ``[20, 45)`` is a bin, not a raw value).
    """
    numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    if numeric and values.nunique(dropna=True) > max_categories:
        binned = pd.qcut(values, q=numeric_bins, duplicates="drop")
        labels = binned.map(lambda iv: f"[{iv.left:g}, {iv.right:g}]", na_action="ignore")
        return labels.astype(object).where(binned.notna(), MISSING).astype(str), True
    labels = values.astype(object).where(values.notna(), MISSING)
    return labels.map(lambda v: str(v) if str(v).strip() else MISSING).astype(str), False


@dataclass(frozen=True)
class GroupFrame:
    """Per record: its group label under every grouping, plus which features were binned."""

    labels: Mapping[str, np.ndarray]
    binned: tuple[str, ...]


def group_labels(
    frame: pd.DataFrame,
    groups: Sequence[Grouping],
    *,
    source: str,
    max_categories: int,
    numeric_bins: int,
) -> GroupFrame:
    """Label every record under every grouping; a missing column names the file and the column."""
    features = sorted({c for g in groups for c in g.columns})
    missing = [c for c in features if c not in frame.columns]
    if missing:
        raise VigilError(
            f"{source}: missing sensitive-feature column(s) {missing} (data.sensitive_features); "
            f"columns present: {sorted(frame.columns)}"
        )
    per_feature: dict[str, pd.Series] = {}
    binned: list[str] = []
    for feature in features:
        per_feature[feature], was_binned = categorical(
            frame[feature], max_categories=max_categories, numeric_bins=numeric_bins
        )
        if was_binned:
            binned.append(feature)
    labels: dict[str, np.ndarray] = {}
    for grouping in groups:
        parts = [per_feature[c].to_numpy(dtype=object) for c in grouping.columns]
        joined = parts[0] if len(parts) == 1 else np.array([CELL_JOIN.join(cell) for cell in zip(*parts, strict=True)])
        labels[grouping.key] = joined.astype(str)
    return GroupFrame(labels=labels, binned=tuple(binned))


def finest_cells(group_frame: GroupFrame, groups: Sequence[Grouping]) -> np.ndarray:
    """Integer cell id of every record in the intersection of all features used.

    Bootstrap resamples within these cells, so every grouping's group sizes stay
    fixed across resamples (a group comparison, not a population estimate).
    """
    keys = [group_frame.labels[g.key] for g in groups if len(g.columns) == 1]
    if not keys:
        keys = [group_frame.labels[groups[0].key]]
    combined = pd.MultiIndex.from_arrays(keys) if len(keys) > 1 else pd.Index(keys[0])
    codes, _ = pd.factorize(combined, sort=True)
    return np.asarray(codes)


def empty_cells(group_frame: GroupFrame, grouping: Grouping) -> list[str]:
    """Combinations of observed feature values with no record at all (intersections only).

    A cell without data is a blind spot of the audit, not a group that passed:
    it is listed so a reviewer sees what was never tested.
    """
    if len(grouping.columns) < 2:
        return []
    values = [sorted(set(group_frame.labels[column])) for column in grouping.columns]
    observed = set(group_frame.labels[grouping.key])
    return [CELL_JOIN.join(combo) for combo in itertools.product(*values) if CELL_JOIN.join(combo) not in observed]

"""Seeded, stratified train/validation/test split.

Written as a per-label allocation rather than two chained
``train_test_split`` calls so that every label is guaranteed a place in every
split whenever it has at least as many examples as there are splits — the
rule ``ingest`` enforces — and so that the result depends only on the seed and
the record ids, not on the row order of the source file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import numpy as np
import pandas as pd

from vigil.data.schema import LABEL, RECORD_ID
from vigil.errors import VigilError

SPLIT_NAMES = ("train", "val", "test")


def validate_ratios(ratios: Mapping[str, float]) -> dict[str, float]:
    """Ratios for train/val/test, each > 0, summing to 1 (within rounding)."""
    if set(ratios) != set(SPLIT_NAMES):
        raise VigilError(f"params.yaml: split ratios must define exactly {list(SPLIT_NAMES)}, got {sorted(ratios)}")
    values = {name: float(ratios[name]) for name in SPLIT_NAMES}
    if any(v <= 0 for v in values.values()) or abs(sum(values.values()) - 1.0) > 1e-6:
        raise VigilError(f"params.yaml: split ratios must be > 0 and sum to 1, got {values}")
    return values


def min_examples_per_label() -> int:
    """Smallest label count the split can honour: one example per split."""
    return len(SPLIT_NAMES)


def _order_key(record_ids: pd.Series, seed: int) -> np.ndarray:
    """Seeded pseudo-random order that depends on the id, not on the row position."""
    salt = str(seed).encode()
    return np.array([hashlib.blake2b(salt + rid.encode(), digest_size=8).digest() for rid in record_ids])


def _allocate(n: int, ratios: dict[str, float]) -> dict[str, int]:
    """Counts per split for one label: val/test rounded but at least 1, train the rest (>= 1)."""
    val = max(1, round(n * ratios["val"]))
    test = max(1, round(n * ratios["test"]))
    while n - val - test < 1:
        if test >= val and test > 1:
            test -= 1
        elif val > 1:
            val -= 1
        else:
            raise VigilError(f"cannot split a label with {n} example(s) into {len(SPLIT_NAMES)} parts")
    return {"train": n - val - test, "val": val, "test": test}


def stratified_split(frame: pd.DataFrame, ratios: Mapping[str, float], seed: int) -> dict[str, pd.DataFrame]:
    """Split ``frame`` into train/val/test, stratified by label, deterministic for a seed."""
    ratios = validate_ratios(ratios)
    keyed = frame.assign(_order=_order_key(frame[RECORD_ID], seed))
    assignment = pd.Series("", index=frame.index)
    for _, group in keyed.groupby(LABEL, sort=True):
        ordered = group.sort_values(["_order", RECORD_ID]).index
        counts = _allocate(len(ordered), ratios)
        start = 0
        for name in SPLIT_NAMES:
            assignment.loc[ordered[start : start + counts[name]]] = name
            start += counts[name]
    return {name: frame[assignment == name].sort_values(RECORD_ID).reset_index(drop=True) for name in SPLIT_NAMES}

"""Seeded, stratified train/validation/test split that keeps repeated notes together.

Written as a per-label allocation rather than two chained
``train_test_split`` calls so that every label is guaranteed a place in every
split whenever it has at least as many distinct notes as there are splits (the
rule ``ingest`` enforces counts records; a label whose records are all one
repeated note cannot reach every split without leaking, and the split report
names it), and so that the result depends only on the seed, the record ids and
the texts, not on the row order of the source file.

The unit of allocation is a *duplicate group* (:mod:`vigil.data.duplicate_groups`):
every copy of a note lands in the same split, so no test note is also a
training note. A group with conflicting labels is stratified by its most
frequent label.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import numpy as np
import pandas as pd

from vigil.data.duplicate_groups import group_keys
from vigil.data.schema import LABEL, RECORD_ID, TEXT
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


def _assign_groups(sizes: pd.Series, ratios: dict[str, float]) -> dict[object, str]:
    """Split name per group of one label's stratum (``sizes``: records per group, in seeded order).

    The smallest groups first seat the test and then the validation split, so
    that every split gets the label when it has three groups or more (with two,
    test before validation: a class never tested is worse than one never used
    to calibrate); then each group goes to the split furthest below its record
    target, so a large group cannot swamp a small split.
    """
    n_groups = len(sizes)
    if n_groups == 1:
        return {sizes.index[0]: "train"}
    targets = _allocate(int(sizes.sum()), ratios) if n_groups >= 3 else {"train": 1, "val": 0, "test": 1}
    assignment: dict[object, str] = {}
    current = dict.fromkeys(SPLIT_NAMES, 0)
    smallest = sizes.reset_index(drop=True).sort_values(kind="stable").index
    seats = ("test", "val")[: n_groups - 1]
    for name, position in zip(seats, smallest, strict=False):
        assignment[sizes.index[position]] = name
        current[name] += int(sizes.iloc[position])
    for group, size in sizes.items():
        if group in assignment:
            continue
        # Furthest below target; ties go to train, then test.
        name = max(("train", "test", "val"), key=lambda s: targets[s] - current[s])
        assignment[group] = name
        current[name] += int(size)
    return assignment


def stratified_split(frame: pd.DataFrame, ratios: Mapping[str, float], seed: int) -> dict[str, pd.DataFrame]:
    """Split ``frame`` into train/val/test, stratified by label, repeated notes kept together, seeded."""
    ratios = validate_ratios(ratios)
    keyed = frame.assign(_group=group_keys(frame[TEXT]), _order=_order_key(frame[RECORD_ID], seed))
    # A group's place in the seeded order: that of its first member (independent of the row order).
    first = keyed.sort_values(["_order", RECORD_ID]).drop_duplicates("_group")
    label_of = (
        keyed.groupby(["_group", LABEL])
        .size()
        .rename("n")
        .reset_index()
        .sort_values(["_group", "n", LABEL], ascending=[True, False, True])
        .drop_duplicates("_group")
        .set_index("_group")[LABEL]
    )
    sizes = keyed.groupby("_group").size()
    ordered = first.assign(_stratum=first["_group"].map(label_of), _size=first["_group"].map(sizes))
    group_split: dict[object, str] = {}
    for _, stratum in ordered.groupby("_stratum", sort=True):
        group_split.update(_assign_groups(stratum.set_index("_group")["_size"], ratios))
    assignment = keyed["_group"].map(group_split)
    return {name: frame[assignment == name].sort_values(RECORD_ID).reset_index(drop=True) for name in SPLIT_NAMES}

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
from vigil.data.schema import CREATED_AT, LABEL, RECORD_ID, TEXT
from vigil.errors import VigilError

SPLIT_NAMES = ("train", "val", "test")
SPLIT_ORDERS = ("random", "time")


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


def time_ordered_split(frame: pd.DataFrame, ratios: Mapping[str, float], seed: int) -> dict[str, pd.DataFrame]:
    """Test = the most recent notes, validation the ones before them, train the rest (``split.order: time``).

    A model is used on notes written after it was trained; a random split lets it train on next year's notes
    and be tested on last year's, which flatters it when the notes drift. Copies of a note stay together and
    sit at the date of their first copy (a note first written in the training period is a training note). A
    record without a date cannot be placed in time and stays in train. Not stratified: a label that was not
    written recently is missing from the test split, and ``split.json`` names it.
    """
    ratios = validate_ratios(ratios)
    if CREATED_AT not in frame.columns:
        raise VigilError("params.yaml: split.order: time needs a date column (data.columns.created_at)")
    order = [int.from_bytes(key, "big") for key in _order_key(frame[RECORD_ID], seed)]  # ties: a seeded order
    keyed = frame.assign(_group=group_keys(frame[TEXT]), _order=np.array(order, dtype=np.uint64))
    dated = keyed[keyed[CREATED_AT].notna()]
    if dated.empty:
        raise VigilError("params.yaml: split.order: time, but no record has a date (data.columns.created_at)")
    groups = (
        dated.groupby("_group")
        .agg(first=(CREATED_AT, "min"), order=("_order", "min"), size=(RECORD_ID, "size"))
        .sort_values(["first", "order"], ascending=[False, True])
    )
    n = len(frame)
    targets = {"test": round(n * ratios["test"]), "val": round(n * ratios["val"])}
    group_split: dict[object, str] = {}
    filled = dict.fromkeys(SPLIT_NAMES, 0)
    for group, size in groups["size"].items():  # newest first: test, then validation, then train
        name = next((s for s in ("test", "val") if filled[s] < targets[s]), "train")
        group_split[group] = name
        filled[name] += int(size)
    assignment = keyed["_group"].map(group_split).fillna("train")  # undated copies of an undated note
    return {name: frame[assignment == name].sort_values(RECORD_ID).reset_index(drop=True) for name in SPLIT_NAMES}


def split_records(
    frame: pd.DataFrame, ratios: Mapping[str, float], seed: int, order: str = "random"
) -> dict[str, pd.DataFrame]:
    """The split ``split.order`` asks for: stratified at random (default), or by time."""
    if order not in SPLIT_ORDERS:
        raise VigilError(f"params.yaml: split.order must be one of {list(SPLIT_ORDERS)}, got {order!r}")
    return time_ordered_split(frame, ratios, seed) if order == "time" else stratified_split(frame, ratios, seed)

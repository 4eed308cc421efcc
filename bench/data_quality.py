"""What the data checks find on the real FAA remarks (../shared/data), against a baseline of the old behaviour.

For the worked example's file, as ingest maps it (text c119, label c78, padding stripped):
- repeated notes (the split's grouping) and exact duplicate rows;
- validation/test notes also in train: the grouped split against a row-level random split of the same
  records (the old split's kind), both counted by vigil.data.leakage;
- label-noise candidates (cleanlab, out-of-fold) and the search's time on one BLAS thread;
- `vigil data init`'s label guess with its evidence, and how the notes explain the real label c78.

``python bench/record.py data_quality`` keeps the output in bench/results/data_quality.md.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from vigil.data.duplicate_groups import group_keys, group_summary
from vigil.data.label_issues import label_issues
from vigil.data.leakage import split_leakage
from vigil.data.split import stratified_split
from vigil.onboarding.inspection import inspect_table
from vigil.onboarding.label_evidence import TextEvidence

FAA = Path(__file__).resolve().parents[2] / "shared" / "data" / "faa_maintenance" / "Maintenance_Text_data_nona.csv"
RATIOS = {"train": 0.7, "val": 0.15, "test": 0.15}


def main() -> None:
    raw = pd.read_csv(FAA, dtype=str, keep_default_na=False).apply(lambda c: c.str.strip())
    records = raw.rename(columns={"c5": "record_id", "c119": "text", "c78": "label"})[["record_id", "text", "label"]]
    print(f"FAA remarks: {len(records):,} rows, {records['label'].nunique()} labels")
    print(f"repeated notes (normalised): {group_summary(group_keys(records['text']))}")
    print(f"exact duplicate rows: {int(records['text'].duplicated(keep=False).sum())}")

    splittable = records[records["label"].map(records["label"].value_counts()) >= 3]
    grouped = stratified_split(splittable, RATIOS, seed=42)
    order = np.random.default_rng(0).permutation(len(splittable))
    cut = [int(0.7 * len(order)), int(0.85 * len(order))]
    row_level = {
        name: splittable.iloc[rows] for name, rows in zip(("train", "val", "test"), np.split(order, cut), strict=True)
    }
    for name, parts in (("grouped split (vigil)", grouped), ("row-level random split (baseline)", row_level)):
        counts = split_leakage(parts)
        print(f"{name}: test in train {counts['test_records_in_train']}, val in train {counts['val_records_in_train']}")

    with threadpool_limits(limits=1, user_api="blas"):
        started = time.perf_counter()
        found = label_issues(records["text"].tolist(), records["label"].tolist())
        seconds = time.perf_counter() - started
    share = f"{found['candidates']:,} of {found['records']:,} ({found['share']:.1%})"
    print(f"label-noise candidates: {share}, {seconds:.1f} s on one BLAS thread")

    guess = inspect_table(FAA)
    print(f"vigil data init label guess: {guess.label.column} ({guess.label.why})")
    for candidate in guess.label_candidates[1:]:
        print(f"  runner-up: {candidate.column} ({candidate.why})")
    evidence = TextEvidence(raw["c119"])
    print(f"the real label c78: the notes explain it {evidence.explained(raw['c78'].replace('', None))}")


if __name__ == "__main__":
    main()

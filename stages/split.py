"""DVC stage `split`: scrubbed records -> stratified, seeded train/val/test Parquet files, copies kept together.

Reads the output of `scrub` only: from here on no stage sees raw text.
"""

from __future__ import annotations

import pandas as pd

from vigil.contracts import write_report
from vigil.data.duplicate_groups import group_keys, group_summary
from vigil.data.label_issues import label_issues
from vigil.data.leakage import split_leakage
from vigil.data.schema import LABEL, TEXT
from vigil.data.split import SPLIT_NAMES, split_records
from vigil.io import atomic_path
from vigil.log import get_logger
from vigil.params import load_params, require
from vigil.stage import run_stage

INPUT = "data/interim/scrubbed.parquet"
OUTPUT_DIR = "data/processed"


def main() -> None:
    params = load_params()
    records = pd.read_parquet(INPUT)
    order = str(params["split"].get("order", "random"))
    parts = split_records(records, require(params, "split.ratios"), seed=int(params["seed"]), order=order)
    summary = {
        name: {
            "n_records": len(part),
            "labels": {str(k): int(v) for k, v in part[LABEL].value_counts().sort_index().items()},
        }
        for name, part in parts.items()
    }
    summary["order"] = order
    every_label = set(records[LABEL])
    summary["duplicates"] = group_summary(group_keys(records[TEXT]))
    summary["leakage"] = split_leakage(parts)
    summary["label_issues"] = label_issues(records[TEXT].tolist(), records[LABEL].tolist(), seed=int(params["seed"]))
    summary["labels_missing"] = {name: sorted(every_label - set(parts[name][LABEL])) for name in ("val", "test")}
    with atomic_path(OUTPUT_DIR) as staged:
        staged.mkdir()
        for name in SPLIT_NAMES:
            parts[name].to_parquet(staged / f"{name}.parquet", index=False)
    write_report("split", summary)
    get_logger("stage.split").info(
        "split",
        extra={
            **{name: summary[name]["n_records"] for name in SPLIT_NAMES},
            "repeated_note_groups": summary["duplicates"]["repeated_groups"],
            "test_records_in_train": summary["leakage"]["test_records_in_train"],
            "label_issue_candidates": summary["label_issues"]["candidates"],
        },
    )


if __name__ == "__main__":
    run_stage("split", main)

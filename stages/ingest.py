"""DVC stage `ingest`: source (synthetic or user file) -> validated raw records + data profile.

Outputs: data/interim/raw.parquet, data/interim/pii_gold.jsonl (gold PII spans of
synthetic data; empty for user data), reports/data_quality.json,
reports/data_dictionary.md. Everything is computed before anything is written.
"""

from __future__ import annotations

import sys
from pathlib import Path

from vigil.contracts import write_report
from vigil.data.dictionary import render_dictionary
from vigil.data.profile import profile_dataset
from vigil.data.sources import load_dataset
from vigil.data.split import min_examples_per_label
from vigil.hashing import sha256_file
from vigil.io import write_jsonl, write_parquet, write_text
from vigil.log import get_logger
from vigil.params import load_params
from vigil.stage import run_stage

RAW = "data/interim/raw.parquet"
GOLD_PII = "data/interim/pii_gold.jsonl"
DICTIONARY = "reports/data_dictionary.md"


def main() -> None:
    params = load_params()
    data = params["data"]
    dataset = load_dataset(
        data, seed=int(params["seed"]), min_examples_per_label=min_examples_per_label(), progress=sys.stderr.isatty()
    )
    source = {"name": data.get("name"), "format": data["format"]}
    if data["format"] == "synthetic":
        source.update(generator="vigil.data.synthetic", seed=int(params["seed"]))
    else:
        source.update(path=data["source"], sha256=sha256_file(Path(data["source"])))
    profile = profile_dataset(
        dataset.frame,
        dataset.group_columns,
        source=source,
        dropped_rare_labels=dataset.dropped_rare_labels,
        missing_group_values=dataset.missing_group_values,
    )
    dictionary = render_dictionary(dataset.frame, dataset.source_names, dataset.group_columns, str(data.get("name")))
    write_parquet(RAW, dataset.frame)
    write_jsonl(GOLD_PII, dataset.gold_pii)
    write_report("data_quality", profile)
    write_text(DICTIONARY, dictionary)
    get_logger("stage.ingest").info(
        "ingested",
        extra={
            "records": len(dataset.frame),
            "labels": profile["n_labels"],
            "dropped_rare_labels": dataset.dropped_rare_labels,
            "records_with_gold_pii": len(dataset.gold_pii),
        },
    )


if __name__ == "__main__":
    run_stage("ingest", main)

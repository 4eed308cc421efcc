"""DVC stage `ingest`: source (synthetic, a user file or a directory of part files) -> validated records + profile.

Outputs: data/interim/raw.parquet, data/interim/pii_gold.jsonl (gold PII spans of
synthetic data; empty for user data), reports/data_quality.json,
reports/data_dictionary.md. Records stream through in batches; nothing is
published until every check has passed.
"""

from __future__ import annotations

import sys

from vigil.contracts import write_report
from vigil.data.derived_ids import DERIVED
from vigil.data.dictionary import render_dictionary
from vigil.data.profile import profile_dataset
from vigil.data.raw_table import ParquetAppender, copy_without
from vigil.data.schema import LABEL, RECORD_ID
from vigil.data.sources import LoadedDataset, load_dataset
from vigil.data.split import min_examples_per_label
from vigil.io import atomic_path, write_jsonl, write_text
from vigil.log import get_logger
from vigil.params import load_params
from vigil.stage import run_stage

RAW = "data/interim/raw.parquet"
GOLD_PII = "data/interim/pii_gold.jsonl"
DICTIONARY = "reports/data_dictionary.md"


def _source_record(data: dict, seed: int, dataset: LoadedDataset) -> dict:
    """What the profile says about where the records came from (a directory: its parts' tree digest)."""
    source = {"name": data.get("name"), "format": data["format"]}
    if data["format"] == "synthetic":
        return {**source, "generator": "vigil.data.synthetic", "seed": seed}
    source.update(path=data["source"], sha256=dataset.source_sha256)
    if dataset.source_names.get(RECORD_ID) == DERIVED:
        source["record_id"] = DERIVED
    if dataset.parts is not None:
        source["parts"] = dataset.parts
    return source


def main() -> None:
    params = load_params()
    data = params["data"]
    seed = int(params["seed"])
    # Records stream from the source into the output's temporary file; it is renamed into place only when
    # every check has passed (a failing check leaves the previous output, or none).
    with atomic_path(RAW) as staged:
        unfiltered = staged.with_name(f"{staged.name}.unfiltered")
        with ParquetAppender(unfiltered) as sink:
            dataset = load_dataset(
                data,
                seed=seed,
                min_examples_per_label=min_examples_per_label(),
                progress=sys.stderr.isatty(),
                sink=sink,
            )
        if dataset.removed_labels:
            copy_without(unfiltered, staged, LABEL, dataset.removed_labels)
        else:
            unfiltered.rename(staged)
        profile = profile_dataset(
            dataset.summary,
            dataset.group_columns,
            source=_source_record(data, seed, dataset),
            dropped_rare_labels=dataset.dropped_rare_labels,
            unlabelled=dataset.unlabelled,
            quarantined=dataset.quarantined,
            missing_group_values=dataset.missing_group_values,
        )
        dictionary = render_dictionary(
            dataset.summary, dataset.source_names, dataset.group_columns, str(data.get("name"))
        )
    write_jsonl(GOLD_PII, dataset.gold_pii)
    write_report("data_quality", profile)
    write_text(DICTIONARY, dictionary)
    get_logger("stage.ingest").info(
        "ingested",
        extra={
            "records": dataset.summary.n_records,
            "parts": dataset.parts,
            "labels": profile["n_labels"],
            "dropped_rare_labels": dataset.dropped_rare_labels,
            "unlabelled": sum(dataset.unlabelled.values()),
            "quarantined_rows": len(dataset.quarantined),
            "records_with_gold_pii": len(dataset.gold_pii),
        },
    )


if __name__ == "__main__":
    run_stage("ingest", main)

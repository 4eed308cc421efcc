"""A table written with its columns in folder names (``region=…/part-….parquet``) is read as the same table.

The table is the public FAA maintenance remarks (``../shared/data``), written by
pyarrow's own Hive-style writers, partitioned by three of its group columns: one
with values that hold ``/`` (which a folder name cannot), one with a blank value.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
import yaml

from vigil.data.hive_partitions import HIVE_NULL, partition_keys, partition_values
from vigil.data.sources import MISSING_GROUP, load_dataset
from vigil.errors import DataValidationError

REPO_ROOT = Path(__file__).resolve().parents[1]
FAA = yaml.safe_load((REPO_ROOT / "params/data/faa_maintenance.yaml").read_text())
FAA_CSV = (REPO_ROOT / FAA["source"]).resolve()
MIN_EXAMPLES = 3
# event_type (A/I), wing_type (values such as "MONOPLANE-HIGH WING/PARA WING"), pilot_certificate (one blank value)
PARTITIONED_BY = ["c1", "c148", "c40"]


def _faa(source: Path, fmt: str) -> dict:
    return {**FAA, "source": str(source), "format": fmt}


def _rows() -> pd.DataFrame:
    return pd.read_csv(FAA_CSV, dtype=object, keep_default_na=False)


def _write_partitioned(root: Path, frame: pd.DataFrame, fmt: str, by: list[str]) -> Path:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    ds.write_dataset(
        table,
        root,
        format=fmt,
        partitioning=by,
        partitioning_flavor="hive",
        existing_data_behavior="overwrite_or_ignore",
    )
    return root


def _by_id(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values("record_id", kind="stable").reset_index(drop=True)


@pytest.fixture(scope="module")
def whole():
    return load_dataset(_faa(FAA_CSV, "csv"), seed=1, min_examples_per_label=MIN_EXAMPLES)


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_a_hive_partitioned_table_is_the_same_table_as_the_file(tmp_path, whole, fmt):
    source = _write_partitioned(tmp_path / "faa", _rows(), fmt, PARTITIONED_BY)
    folders = {p.parent.relative_to(source).as_posix() for p in source.rglob(f"*.{fmt}")}
    assert any("%2F" in folder for folder in folders)  # a '/' in a value, escaped by the writer
    assert not any(c in pq.read_schema(p).names for p in source.rglob("*.parquet") for c in PARTITIONED_BY)

    parts = load_dataset(_faa(source, fmt), seed=1, min_examples_per_label=MIN_EXAMPLES)
    assert parts.parts == len(folders) > 20
    pd.testing.assert_frame_equal(_by_id(parts.frame), _by_id(whole.frame), check_exact=True)
    assert parts.dropped_rare_labels == whole.dropped_rare_labels
    assert parts.missing_group_values == whole.missing_group_values


def test_partition_values_are_decoded_and_the_writers_null_is_no_value():
    assert partition_values("region=s%C3%A3o%20paulo%2Fsul/year=2024/part-0.parquet") == {
        "region": "são paulo/sul",
        "year": "2024",
    }
    assert partition_values(f"site={HIVE_NULL}/part-0.csv") == {"site": None}
    assert partition_values("late/part-0.csv") == {} and partition_values("part-0.csv") == {}
    assert partition_keys(["a=1/b=x/p.csv", "a=2/c=y/p.csv", "p.csv"]) == ["a", "b", "c"]


def test_a_part_outside_a_partition_folder_has_no_value_for_it(tmp_path):
    """A layout that changed over time: older parts at the root, newer ones under region=…; the older rows'
    region is missing (an explicit group for the audit), not taken from another part."""
    frame = _rows()
    half = len(frame) // 2
    root = tmp_path / "faa"
    root.mkdir()
    frame.iloc[:half].drop(columns="c1").to_parquet(root / "part-00000.parquet", index=False)
    _write_partitioned(root, frame.iloc[half:], "parquet", ["c1"])
    loaded = load_dataset(_faa(root, "parquet"), seed=1, min_examples_per_label=MIN_EXAMPLES)
    event_type = loaded.frame.set_index("record_id")["event_type"]
    read = frame.assign(c5=frame["c5"].str.strip(), c1=frame["c1"].str.strip())
    read = read[read["c5"].isin(event_type.index)]  # the rare label's record is dropped
    older, newer = read.iloc[: (read.index < half).sum()], read[read.index >= half]
    assert (event_type.loc[older["c5"]] == MISSING_GROUP).all() and len(older) >= half - 1
    assert loaded.missing_group_values["event_type"] == len(older)
    assert (event_type.loc[newer["c5"]].to_numpy() == newer["c1"].to_numpy()).all()


def test_a_file_that_contradicts_its_folder_is_refused_by_name(tmp_path):
    frame = _rows()
    root = tmp_path / "faa"
    (root / "c1=A").mkdir(parents=True)
    (root / "c1=I").mkdir()
    frame[frame["c1"] == "A"].to_parquet(root / "c1=A/part-0.parquet", index=False)  # the column kept: agrees
    wrong = frame[frame["c1"] == "I"].copy()
    wrong.iloc[3, wrong.columns.get_loc("c1")] = "A"
    wrong.to_parquet(root / "c1=I/part-0.parquet", index=False)
    with pytest.raises(DataValidationError) as info:
        load_dataset(_faa(root, "parquet"), seed=1, min_examples_per_label=MIN_EXAMPLES)
    assert str(info.value).startswith(f"{root}/c1=I/part-0.parquet, column 'c1': 1 rows of the file hold another")
    assert "c1='I'" in str(info.value)


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_data_init_on_a_partitioned_table_sees_its_folder_columns(tmp_path, fmt):
    """`vigil data init` guesses from and counts the folder columns as ingest reads them: the groups of the
    file, and the label counts when the table is partitioned by its label."""
    from vigil.onboarding import part_inspection
    from vigil.onboarding.inspection import inspect_table
    from vigil.onboarding.part_inspection import inspect_parts

    rows = _rows()
    (tmp_path / "whole.csv").write_text(rows.to_csv(index=False))
    by_file = inspect_table(tmp_path / "whole.csv")
    by_groups = inspect_parts(_write_partitioned(tmp_path / "groups", rows, fmt, PARTITIONED_BY[:2]))
    assert {"c1"} <= {g.column for g in by_file.groups}  # a partition column is among the file's groups
    assert set(by_groups.groups) == set(by_file.groups) and by_groups.n_rows == len(rows)
    # Partitioned by its label: every row's label is in a folder name, and still counted (the guess may differ:
    # writers put folder columns last, and the first of equally likely columns is guessed).
    labels = _write_partitioned(tmp_path / "labels", rows, fmt, [by_file.label.column])
    parts = sorted(p for p in labels.rglob(f"*.{fmt}"))
    keys = partition_keys(p.relative_to(labels).as_posix() for p in parts)
    as_file = dataclasses.replace(inspect_parts(labels), label=by_file.label)
    assert keys == [by_file.label.column]
    assert part_inspection._counts(labels, parts, keys, as_file) == (len(rows), by_file.label_counts)

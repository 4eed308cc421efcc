"""A directory of part files is the same table as the one file it was cut from, and its errors name the part.

The data is the public FAA maintenance remarks (``../shared/data``), read with
the project's own worked-example configuration (fixed-width padding stripped,
a rare cause dropped), cut into parts the way Spark writes them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from vigil.data.profile import profile_dataset
from vigil.data.raw_table import ParquetAppender, copy_without
from vigil.data.sources import load_dataset
from vigil.errors import DataValidationError

REPO_ROOT = Path(__file__).resolve().parents[1]
FAA = yaml.safe_load((REPO_ROOT / "params/data/faa_maintenance.yaml").read_text())
FAA_CSV = (REPO_ROOT / FAA["source"]).resolve()
MIN_EXAMPLES = 3


def _faa(source: Path, fmt: str = "csv") -> dict:
    return {**FAA, "source": str(source), "format": fmt}


def _profile(dataset) -> dict:
    return profile_dataset(
        dataset.summary,
        dataset.group_columns,
        source={},
        dropped_rare_labels=dataset.dropped_rare_labels,
        missing_group_values=dataset.missing_group_values,
    )


def _source_rows() -> pd.DataFrame:
    return pd.read_csv(FAA_CSV, dtype=object, keep_default_na=False)


def _cut(frame: pd.DataFrame, n_parts: int) -> list[pd.DataFrame]:
    size = -(-len(frame) // n_parts)
    return [frame.iloc[i : i + size] for i in range(0, len(frame), size)]


def _spark_layout(root: Path, frames: list[pd.DataFrame], fmt: str) -> Path:
    """Parts as Spark writes them: part-NNNNN files, a _SUCCESS marker, .crc sidecars, one nested folder."""
    root.mkdir(parents=True)
    for number, frame in enumerate(frames):
        folder = root / "zone=late" if number == len(frames) - 1 else root
        folder.mkdir(exist_ok=True)
        path = folder / f"part-{number:05d}-c000.{fmt}"
        if fmt == "csv":
            frame.to_csv(path, index=False)
        else:
            frame.to_parquet(path, index=False, row_group_size=97)  # several row groups per part
        (folder / f".{path.name}.crc").write_bytes(b"crc")
    (root / "_SUCCESS").write_bytes(b"")
    return root


@pytest.fixture(scope="module")
def whole():
    return load_dataset(_faa(FAA_CSV), seed=1, min_examples_per_label=MIN_EXAMPLES)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_directory_of_parts_is_the_same_table_as_the_file(tmp_path, whole, fmt):
    source = _spark_layout(tmp_path / "faa", _cut(_source_rows(), 4), fmt)
    parts = load_dataset(_faa(source, fmt), seed=1, min_examples_per_label=MIN_EXAMPLES)
    assert parts.parts == 4 and whole.parts is None
    pd.testing.assert_frame_equal(parts.frame, whole.frame, check_exact=True)
    assert parts.dropped_rare_labels == whole.dropped_rare_labels != {}
    assert _profile(parts) == _profile(whole)
    assert parts.source_sha256 != whole.source_sha256 and len(parts.source_sha256) == 64


def test_the_digest_of_a_directory_changes_with_any_part(tmp_path):
    source = _spark_layout(tmp_path / "faa", _cut(_source_rows(), 3), "csv")
    before = load_dataset(_faa(source), seed=1, min_examples_per_label=MIN_EXAMPLES).source_sha256
    last = source / "zone=late" / "part-00002-c000.csv"
    last.write_text(last.read_text().replace("ENGINE", "ENGlNE", 1))
    after = load_dataset(_faa(source), seed=1, min_examples_per_label=MIN_EXAMPLES).source_sha256
    assert before != after


def test_streamed_records_written_by_the_stage_sink_equal_the_in_memory_table(tmp_path, whole):
    source = _spark_layout(tmp_path / "faa", _cut(_source_rows(), 3), "parquet")
    with ParquetAppender(tmp_path / "all.parquet") as sink:
        streamed = load_dataset(_faa(source, "parquet"), seed=1, min_examples_per_label=MIN_EXAMPLES, sink=sink)
    assert streamed.frame is None and streamed.dropped_rare_labels
    copy_without(tmp_path / "all.parquet", tmp_path / "raw.parquet", "label", list(streamed.dropped_rare_labels))
    written = pd.read_parquet(tmp_path / "raw.parquet")
    pd.testing.assert_frame_equal(written, whole.frame, check_exact=True)
    assert pq.ParquetFile(tmp_path / "raw.parquet").metadata.num_row_groups > 1


def _error(source: Path, fmt: str = "csv", **extra) -> DataValidationError:
    with pytest.raises(DataValidationError) as info:
        load_dataset({**_faa(source, fmt), **extra}, seed=1, min_examples_per_label=MIN_EXAMPLES)
    return info.value


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_bad_value_in_a_later_part_names_that_part_and_its_row(tmp_path, fmt):
    frames = _cut(_source_rows(), 3)
    frames[2] = frames[2].copy()
    frames[2].iloc[150, frames[2].columns.get_loc("c119")] = "   "  # blank remark: padding only
    source = _spark_layout(tmp_path / "faa", frames, fmt)
    error = _error(source, fmt)
    assert error.path == str(source / "zone=late" / f"part-00002-c000.{fmt}")
    assert (error.row, error.column, error.reason) == (151, "c119", "empty text")


def test_a_duplicate_id_across_parts_names_both_files_and_rows(tmp_path):
    frames = _cut(_source_rows(), 3)
    frames[2] = frames[2].copy()
    repeated = frames[0]["c5"].iloc[9]
    frames[2].iloc[40, frames[2].columns.get_loc("c5")] = repeated
    source = _spark_layout(tmp_path / "faa", frames, "csv")
    error = _error(source)
    assert error.path.endswith("part-00002-c000.csv") and (error.row, error.column) == (41, "c5")
    assert f"duplicate record_id {repeated.strip()!r} (first seen at {source}/part-00000-c000.csv row 10)" in str(error)


def test_a_rare_label_is_counted_over_all_parts_and_located_in_its_part(tmp_path):
    frames = _cut(_source_rows(), 3)
    source = _spark_layout(tmp_path / "faa", frames, "csv")
    error = _error(source, rare_labels="error")
    labels = [frame["c78"].str.strip().reset_index(drop=True) for frame in frames]
    counts = pd.concat(labels).value_counts()
    rare = sorted(counts[counts < MIN_EXAMPLES].index)
    first_part = min(i for i, part in enumerate(labels) if part.isin(rare).any())
    first_row = int(labels[first_part].isin(rare).to_numpy().argmax()) + 1
    assert rare and error.path.endswith(f"part-{first_part:05d}-c000.csv") and error.row == first_row
    assert error.column == "c78" and all(f"{label!r} ({counts[label]}, first at" in error.reason for label in rare)


@pytest.mark.parametrize(
    ("layout", "message"),
    [
        ({"part-0.csv": "ok", "notes.xlsx": "PK"}, "holds files that are not csv part files (.csv): notes.xlsx"),
        ({"_SUCCESS": "", ".part-0.csv.crc": "x"}, "directory holds no csv part files (.csv)"),
        ({"part-0.parquet": "x"}, "holds files that are not csv part files (.csv): part-0.parquet"),
    ],
)
def test_a_directory_that_is_not_one_csv_table_is_refused_by_name(tmp_path, layout, message):
    source = tmp_path / "parts"
    source.mkdir()
    for name, body in layout.items():
        (source / name).write_text(body)
    error = _error(source)
    assert error.path == str(source) and message in error.reason


def test_a_part_with_other_columns_names_the_part_and_what_it_has(tmp_path):
    frames = _cut(_source_rows(), 2)
    frames[1] = frames[1].rename(columns={"c119": "remarks"})
    source = _spark_layout(tmp_path / "faa", frames, "parquet")
    error = _error(source, "parquet")
    assert error.path.endswith("part-00001-c000.parquet") and error.column == "c119"
    assert error.reason.startswith("missing column for text (available: ")


def test_an_empty_parquet_part_is_read_for_its_columns_and_adds_no_rows(tmp_path, whole):
    frames = _cut(_source_rows(), 2)
    source = _spark_layout(tmp_path / "faa", frames, "parquet")
    pq.write_table(pa.Table.from_pandas(frames[0].iloc[0:0], preserve_index=False), source / "part-00009-c000.parquet")
    loaded = load_dataset(_faa(source, "parquet"), seed=1, min_examples_per_label=MIN_EXAMPLES)
    assert loaded.parts == 3
    pd.testing.assert_frame_equal(loaded.frame, whole.frame, check_exact=True)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_data_init_on_the_parts_guesses_as_for_the_file_and_counts_every_part(tmp_path, monkeypatch, fmt):
    """`vigil data init` on a directory: the guesses and configuration of the file it was cut from; and when
    the table is larger than the sample the guesses come from, its rows and label counts still come from
    every part, so the rare labels it sets to be dropped are the ones ingest will find."""
    from vigil.onboarding import part_inspection
    from vigil.onboarding.data_config import data_config_yaml
    from vigil.onboarding.inspection import inspect_table

    rows = _source_rows()
    (tmp_path / "whole.csv").write_text(rows.to_csv(index=False))
    source = _spark_layout(tmp_path / "faa", _cut(rows, 5), fmt)

    by_file, by_parts = inspect_table(tmp_path / "whole.csv"), part_inspection.inspect_parts(source)
    roles = ("record_id", "text", "label", "created_at")
    assert [getattr(by_parts, r) for r in roles] == [getattr(by_file, r) for r in roles]
    assert by_parts.groups == by_file.groups and by_parts.format == fmt
    assert by_parts.n_rows == by_file.n_rows == len(rows) and by_parts.label_counts == by_file.label_counts
    if fmt == "csv":  # the same configuration as for the file it was cut from, below the header naming each
        written = [data_config_yaml(found, "faa", "data/external/faa") for found in (by_parts, by_file)]
        assert written[0].startswith("# Data configuration for faa,")
        assert written[0].split("\n", 1)[1] == written[1].split("\n", 1)[1]

    monkeypatch.setattr(part_inspection, "SAMPLE_ROWS", 1_000)  # two of the five parts (550 rows each)
    sampled = part_inspection.inspect_parts(source)
    labels = rows[sampled.label.column].str.strip()
    assert sampled.n_rows == len(rows) and sampled.label_counts == labels[labels != ""].value_counts().to_dict()
    assert sum(sampled.label_counts.values()) > 1_000  # counted beyond the sample


def test_data_init_refuses_a_directory_that_is_not_one_table_by_name(tmp_path):
    from vigil.errors import VigilError
    from vigil.onboarding.part_inspection import inspect_parts

    frames = _cut(_source_rows(), 3)
    stray = _spark_layout(tmp_path / "stray", frames, "parquet")
    (stray / "notes.csv").write_text("a,b\n1,2\n")
    with pytest.raises(VigilError, match=r"stray: holds files that are not parquet part files .*: notes.csv"):
        inspect_parts(stray)
    frames[1] = frames[1].rename(columns={"c119": "remarks"})
    renamed = _spark_layout(tmp_path / "renamed", frames, "csv")
    with pytest.raises(VigilError, match=r"part-00001-c000.csv: columns \[.*'remarks'.*\] differ from part-00000"):
        inspect_parts(renamed)
    broken = _spark_layout(tmp_path / "broken", _cut(_source_rows(), 2), "parquet")
    (broken / "part-00000-c000.parquet").write_bytes(b"PAR1 cut short")
    with pytest.raises(VigilError, match=r"broken/part-00000-c000.parquet: cannot read as Parquet"):
        inspect_parts(broken)

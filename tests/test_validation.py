"""Bad input: every case names file, row and column, and ``drop`` policies report what they removed."""

from pathlib import Path

import pandas as pd
import pytest

from vigil.data.sources import MISSING_GROUP, load_dataset
from vigil.errors import DataValidationError

HEADER = "id,note,failure,when,shop\n"
GOOD_ROWS = [
    f"r{i},note number {i} brakes squeal,{'brakes' if i % 2 else 'engine'},2024-01-0{1 + i % 9},dealer\n"
    for i in range(1, 9)
]


def _params(path: Path, fmt: str = "csv", **extra) -> dict:
    return {
        "name": "user",
        "format": fmt,
        "source": str(path),
        "columns": {"record_id": "id", "text": "note", "label": "failure", "created_at": "when"},
        "sensitive_features": {"workshop": "shop"},
        **extra,
    }


def _load(path: Path, **extra):
    return load_dataset(_params(path, **extra), seed=1, min_examples_per_label=3)


def _write(tmp_path: Path, body: str | bytes, name: str = "notes.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(body if isinstance(body, bytes) else body.encode("utf-8"))
    return path


def _error(path: Path, **extra) -> DataValidationError:
    with pytest.raises(DataValidationError) as info:
        _load(path, **extra)
    return info.value


def test_good_file_is_mapped_onto_internal_columns(tmp_path):
    loaded = _load(_write(tmp_path, HEADER + "".join(GOOD_ROWS)))
    assert list(loaded.frame.columns) == ["record_id", "text", "label", "created_at", "workshop"]
    assert len(loaded.frame) == 8
    assert pd.api.types.is_datetime64_any_dtype(loaded.frame["created_at"])


def test_missing_column_is_named(tmp_path):
    path = _write(tmp_path, "id,note,when,shop\nr1,x,2024-01-01,a\n")
    error = _error(path)
    assert error.column == "failure" and str(path) in str(error) and "available: id, note, when, shop" in str(error)


@pytest.mark.parametrize("body", ["", "   \n", HEADER])
def test_empty_file_or_header_only(tmp_path, body):
    error = _error(_write(tmp_path, body))
    assert error.reason in {"file is empty", "no data rows"}


def test_duplicate_ids_name_both_rows(tmp_path):
    rows = GOOD_ROWS[:4] + ["r2,again,engine,2024-01-01,dealer\n"] + GOOD_ROWS[4:]
    error = _error(_write(tmp_path, HEADER + "".join(rows)))
    assert (error.row, error.column) == (5, "id")
    assert "duplicate record_id 'r2' (first seen at row 2)" in str(error)


def test_non_utf8_byte_is_located(tmp_path):
    body = (HEADER + "".join(GOOD_ROWS[:2])).encode() + b"r3,caf\xe9 no freio,brakes,2024-01-01,dealer\n"
    body += "".join(GOOD_ROWS[3:]).encode()
    error = _error(_write(tmp_path, body))
    assert (error.row, error.column) == (3, "note") and "not valid UTF-8" in str(error)


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ("r3,   ,brakes,2024-01-01,dealer\n", "note"),
        ("r3,text,,2024-01-01,dealer\n", "failure"),
        (",text,brakes,2024-01-01,dealer\n", "id"),
    ],
)
def test_empty_required_value(tmp_path, row, column):
    rows = GOOD_ROWS[:2] + [row] + GOOD_ROWS[3:]
    error = _error(_write(tmp_path, HEADER + "".join(rows)))
    assert (error.row, error.column) == (3, column)
    assert str(error).startswith(f"{tmp_path / 'notes.csv'}, row 3, column '{column}': empty")


def test_rare_label_fails_by_default_and_is_reported_when_dropped(tmp_path):
    path = _write(tmp_path, HEADER + "".join(GOOD_ROWS) + "r99,odd one,hvac,2024-02-01,dealer\n")
    error = _error(path)
    assert (error.row, error.column) == (9, "failure") and "label 'hvac' has 1 example(s)" in str(error)
    loaded = _load(path, rare_labels="drop")
    assert loaded.dropped_rare_labels == {"hvac": 1} and len(loaded.frame) == 8


def test_unparseable_date(tmp_path):
    rows = GOOD_ROWS[:5] + ["r6,text,brakes,not a date,dealer\n"] + GOOD_ROWS[6:]
    error = _error(_write(tmp_path, HEADER + "".join(rows)))
    assert (error.row, error.column) == (6, "when")


def test_padding_is_stripped_and_missing_groups_become_explicit(tmp_path):
    rows = [r.replace("dealer", "  dealer   ") for r in GOOD_ROWS]
    rows[0] = rows[0].replace("  dealer   ", "")
    loaded = _load(_write(tmp_path, HEADER + "".join(rows)))
    assert set(loaded.frame["workshop"]) == {"dealer", MISSING_GROUP}
    assert loaded.missing_group_values == {"workshop": 1}


def test_parquet_source(tmp_path):
    frame = pd.DataFrame(
        {
            "id": ["a", "b", "c", "d"],
            "note": ["x y", "y z", "z w", "w v"],
            "failure": ["k"] * 4,
            "when": ["2024-01-01"] * 4,
            "shop": ["s"] * 4,
        }
    )
    path = tmp_path / "notes.parquet"
    frame.to_parquet(path)
    assert len(_load(path, fmt="parquet").frame) == 4


def test_missing_file_says_how_to_get_it(tmp_path):
    error = _error(tmp_path / "absent.csv")
    assert "dvc add" in str(error)

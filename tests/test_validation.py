"""Bad input: every case names file, row and column, and ``drop`` policies report what they removed."""

from pathlib import Path

import pandas as pd
import pytest
import yaml

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
    assert (error.row, error.column) == (9, "failure")
    assert "label 'hvac' (1, first at row 9) has fewer than the 3 examples" in str(error)
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


def test_every_rare_label_is_named_in_one_message(tmp_path):
    rare = ["r90,odd,hvac,2024-02-01,dealer\n", "r91,odd,fuel,2024-02-01,dealer\n", "r92,odd,fuel,2024-02-01,dealer\n"]
    rare.append("r93,odd,tyres,2024-02-01,dealer\n")
    error = _error(_write(tmp_path, HEADER + rare[1] + "".join(GOOD_ROWS) + "".join(rare[:1] + rare[2:])))
    message = str(error)
    assert "3 labels have fewer than the 3 examples" in message
    assert "'fuel' (2, first at row 1)" in message and "'hvac' (1, first at row 10)" in message
    assert "'tyres' (1, first at row 12)" in message and error.row == 1


def _as(rows: list[str], delimiter: str) -> str:
    return "".join(line.replace(",", delimiter) for line in rows)


@pytest.mark.parametrize(("delimiter", "name"), [(";", "semicolon"), ("\t", "tab"), ("|", "pipe")])
def test_a_file_with_another_delimiter_names_it_and_the_setting(tmp_path, delimiter: str, name: str):
    """The failure pattern: a locale's export with another separator, read with the default comma."""
    body = _as([HEADER, *GOOD_ROWS], delimiter)
    if delimiter == ";":  # a note with a comma inside: the C parser fails on it instead of reading one column
        body = body.replace("3 brakes squeal", "3 brakes squeal, fluid low")
    error = _error(_write(tmp_path, body))
    assert f"looks {name}-separated (the header splits into 5 columns" in str(error)
    setting = str(error).split("set ", 1)[1]
    assert yaml.safe_load(setting.replace("data.csv_options:", "csv_options:")) == {"csv_options": {"sep": delimiter}}
    assert len(_load(_write(tmp_path, body), csv_options={"sep": delimiter}).frame) == 8


@pytest.mark.parametrize(("encoding", "suggested"), [("cp1252", "cp1252"), ("latin-1", "latin-1")])
def test_a_single_byte_export_is_located_and_the_encoding_named(tmp_path, encoding: str, suggested: str):
    accented = "r3,café no freio – ruído,brakes,2024-01-01,dealer\n"
    if encoding == "latin-1":  # a byte cp1252 leaves undefined (0x81) as well, so only Latin-1 decodes it
        accented = "r3,café no freio \x81 ruído,brakes,2024-01-01,dealer\n"
    else:
        accented = accented.replace("–", "\u2013")
    body = (HEADER + "".join(GOOD_ROWS[:2])).encode() + accented.encode(encoding) + "".join(GOOD_ROWS[3:]).encode()
    error = _error(_write(tmp_path, body))
    assert (error.row, error.column) == (3, "note")
    assert f"or set data.csv_options: {{encoding: {suggested}}}" in str(error)
    loaded = _load(_write(tmp_path, body), csv_options={"encoding": suggested})
    assert "café no freio" in loaded.frame.loc[2, "text"]


@pytest.mark.parametrize(
    ("magic", "kind"),
    [
        (b"PK\x03\x04" + b"\x00" * 26 + b"[Content_Types].xml" + b"xl/workbook.xml", "xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "xls"),
    ],
)
def test_an_excel_workbook_is_refused_by_name(tmp_path, magic: bytes, kind: str):
    error = _error(_write(tmp_path, magic, "notes.csv"))
    assert f"is an Excel workbook (.{kind}), not CSV: save the sheet as 'CSV UTF-8' or Parquet" in str(error)


@pytest.mark.parametrize("role, source", [("label", "failure"), ("text", "note"), ("record_id", "id")])
def test_a_group_column_that_is_the_label_text_or_id_is_refused_by_name(tmp_path, role: str, source: str):
    """A guessed group left in after correcting the label (or the text, or the id) audits nothing: refused."""
    from vigil.errors import VigilError

    path = _write(tmp_path, HEADER + "".join(GOOD_ROWS))
    with pytest.raises(VigilError) as info:
        _load(path, sensitive_features={"workshop": "shop", "c78": source})
    assert f"data.sensitive_features: c78 (source column '{source}' is columns.{role})" in str(info.value)

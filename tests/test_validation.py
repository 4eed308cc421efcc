"""Bad input: every case names file, row and column, and ``drop`` policies report what they removed."""

from pathlib import Path

import pandas as pd
import pytest
import yaml

from vigil.data.sources import MISSING_GROUP, load_dataset
from vigil.errors import DataValidationError, VigilError

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


def test_a_file_without_a_header_row_is_named_as_such_and_its_first_record_is_not_echoed(tmp_path):
    """A header-less export read with a header: the 'column names' are a record's cells (a customer's name)."""
    note = "Cliente Renata Queiroz relata ruido no freio"
    rows = [f"r{i},{note} {i},{'brakes' if i % 2 else 'engine'},2024-01-0{1 + i % 9},dealer\n" for i in range(1, 12)]
    error = _error(_write(tmp_path, "".join(rows)))
    assert "the first row reads as a record, not a header" in str(error) and "header: null" in str(error)
    assert "Renata" not in str(error) and "r1" not in str(error).split(":", 1)[1]


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
    # An empty label is an error only when no spelling means "no label" (by default it is set aside).
    error = _error(_write(tmp_path, HEADER + "".join(rows)), unlabelled_values=[])
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


def test_no_label_spellings_are_set_aside_counted_and_keep_row_numbers(tmp_path):
    """NA, N/A, NULL, '-', an empty cell (any case, padded) are not classes: set aside, counted per spelling.

    A later row's error still names its own row: the set-aside records do not shift the numbering.
    """
    unlabelled = [
        "u1,no cause recorded,NA,2024-01-01,dealer\n",
        "u2,no cause recorded,n/a,2024-01-01,dealer\n",
        "u3,no cause recorded,,2024-01-01,dealer\n",
        "u4,no cause recorded,  NULL ,2024-01-01,dealer\n",
        "u5,no cause recorded,-,2024-01-01,dealer\n",
        "u6,no cause recorded,na,2024-01-01,dealer\n",
    ]
    path = _write(tmp_path, HEADER + "".join(unlabelled + GOOD_ROWS))
    loaded = _load(path)
    assert len(loaded.frame) == 8 and set(loaded.frame["label"]) == {"brakes", "engine"}
    assert loaded.unlabelled == {"NA": 1, "na": 1, "n/a": 1, "(empty)": 1, "NULL": 1, "-": 1}
    assert loaded.summary.n_records == 8 and dict(loaded.summary.counts("label")) == {"brakes": 4, "engine": 4}
    # A real class named "None" (no defect found) is kept: the default spellings do not include it.
    nones = [f"n{i},no defect found,None,2024-01-01,dealer\n" for i in range(3)]
    assert "None" in set(_load(_write(tmp_path, HEADER + "".join(GOOD_ROWS + nones), "n.csv")).frame["label"])
    bad_date = unlabelled + GOOD_ROWS[:3] + ["r77,text,brakes,not a date,dealer\n"]
    error = _error(_write(tmp_path, HEADER + "".join(bad_date), "d.csv"))
    assert (error.row, error.column) == (10, "when")
    # Turned off, an empty label is an error again and "NA" a class (here too rare to split).
    error = _error(path, unlabelled_values=["(none of these)"])
    assert (error.row, str(error).endswith("empty label")) == (3, True)
    error = _error(_write(tmp_path, HEADER + unlabelled[0] + "".join(GOOD_ROWS), "o.csv"), unlabelled_values=[])
    assert "'NA' (1" in str(error)


def test_a_file_without_any_label_is_refused_as_a_mapping_slip(tmp_path):
    rows = [f"r{i},some note {i},NA,2024-01-01,dealer\n" for i in range(5)]
    error = _error(_write(tmp_path, HEADER + "".join(rows)))
    assert error.column == "failure" and "no record has a label" in str(error) and "'NA' (5)" in str(error)


def test_a_row_with_an_unquoted_comma_is_named_or_quarantined_never_shifted(tmp_path):
    """One field too many (first data row: pandas would take a column as the index), one too few: never read shifted.

    Refused by default, naming the row and its file line (a quoted multi-line note before it counts its lines);
    with data.bad_rows: quarantine both are set aside, listed, and every other row keeps its own row number.
    """
    shifted = "r1,replaced pads, rotors,brakes,2024-01-01,dealer\n"
    multiline = 'r2,"note over\ntwo lines",engine,2024-01-02,dealer\n'
    short = "r55,engine,2024-01-03,dealer\n"
    rows = [shifted, multiline, *GOOD_ROWS[2:4], short, *GOOD_ROWS[4:]]
    path = _write(tmp_path, HEADER + "".join(rows))
    error = _error(path)
    assert error.row == 1 and "row 1 (line 2) has 6 fields, the header has 5 (and 1 more)" in str(error)
    assert "data.bad_rows: quarantine" in str(error) and "rotors" not in str(error)
    loaded = _load(path, bad_rows="quarantine")
    assert [(q["row"], q["line"], q["fields"]) for q in loaded.quarantined] == [(1, 2, 6), (5, 7, 4)]
    assert "r1" not in set(loaded.frame["record_id"]) and "r55" not in set(loaded.frame["record_id"])
    assert loaded.frame.set_index("record_id").loc["r2", "label"] == "engine"
    later = _write(tmp_path, HEADER + "".join([*rows[:-1], "r99,text,brakes,not a date,dealer\n"]), "late.csv")
    assert (_error(later, bad_rows="quarantine").row, "when") == (len(rows), "when")


def test_without_an_id_column_ids_are_derived_from_the_note_and_its_occurrence(tmp_path):
    """columns.record_id: null: the same note gets the same id in another export order; copies get their own."""
    body = "note,failure,when,shop\n" + "".join(r.split(",", 1)[1] for r in GOOD_ROWS)
    body += GOOD_ROWS[0].split(",", 1)[1]  # a copy of the first note
    params = {"columns": {"record_id": None, "text": "note", "label": "failure", "created_at": "when"}}
    first = _load(_write(tmp_path, body), **params).frame
    assert first["record_id"].is_unique and first["record_id"].str.fullmatch(r"[0-9a-f]{16}-[12]").all()
    copies = first[first["text"] == first["text"].iloc[0]]["record_id"].tolist()
    assert [c.rsplit("-", 1)[1] for c in copies] == ["1", "2"] and copies[0][:16] == copies[1][:16]
    lines = body.splitlines(keepends=True)
    reordered = _load(_write(tmp_path, lines[0] + "".join(reversed(lines[1:])), "rev.csv"), **params).frame
    unique_notes = first.drop_duplicates("text", keep=False)
    assert set(unique_notes["record_id"]) <= set(reordered["record_id"])
    with pytest.raises(VigilError, match=r"record_id: null derives ids"):  # absent: a configuration slip
        _load(_write(tmp_path, body, "x.csv"), columns={"text": "note", "label": "failure"})


def test_a_critical_class_that_is_no_label_of_the_data_stops_ingest_not_evaluate(tmp_path):
    """A typo in data.critical_classes is named at ingest, seconds in; a rare one (dropped) is left to evaluate."""
    path = _write(tmp_path, HEADER + "".join(GOOD_ROWS) + "r99,odd one,hvac,2024-02-01,dealer\n")
    error = _error(path, critical_classes=["brake"], rare_labels="drop")
    assert error.column == "failure" and "data.critical_classes 'brake' is not a label of the data" in str(error)
    assert "'brakes'" in str(error)  # the labels it could have meant
    assert _load(path, critical_classes=["hvac"], rare_labels="drop").dropped_rare_labels == {"hvac": 1}

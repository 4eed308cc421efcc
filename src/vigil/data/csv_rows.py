"""Rows whose field count differs from the header's: named by row and line, never shifted silently.

An unquoted delimiter inside a note (``replaced pads, rotors``) gives its row
one field too many. pandas then either stops with "Expected 5 fields in line
9, saw 6" (which does not say which setting helps) or, when it is the first
data row, silently takes the first column as the index and shifts every value
one column left; a row with too few fields is padded with missing values. Both
put a note's words in the label column without a word. These records are found
here with the csv module (the same quoting rules) before pandas reads the file:
ingest refuses the file naming the first one (``data.bad_rows: error``, the
default), or sets them aside and lists them (``data.bad_rows: quarantine``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# csv_options keys the check can honour; with any other pandas option the file is read by pandas alone.
_UNDERSTOOD = {"sep", "delimiter", "quotechar", "header", "names"}


@dataclass(frozen=True)
class BadRow:
    """A record with the wrong number of fields: its data row (1 = first under the header) and file line."""

    row: int
    line: int
    fields: int


@dataclass(frozen=True)
class RecordCheck:
    """The header (or the configured names), the field count each record needs, and the records that differ."""

    columns: list[str]
    expected: int
    bad: list[BadRow]
    records: list[list[str]]  # every non-blank data record, bad ones included, in file order


def can_check(options: Mapping[str, Any]) -> bool:
    """Whether the csv module reads the file as pandas would with these options."""
    delimiter = options.get("sep", options.get("delimiter", ","))
    return set(options) <= _UNDERSTOOD and isinstance(delimiter, str) and len(delimiter) == 1


def check_records(text: str, options: Mapping[str, Any]) -> RecordCheck:
    """Every record's field count against the header's (or ``names``' when ``header`` is null)."""
    delimiter = options.get("sep", options.get("delimiter", ","))
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, quotechar=options.get("quotechar", '"'))
    has_header = "header" not in options or options["header"] is not None
    columns: list[str] | None = None if has_header else [str(n) for n in options.get("names") or []]
    records: list[list[str]] = []
    bad: list[BadRow] = []
    start = 1
    for record in reader:
        line, start = start, reader.line_num + 1
        if not record or (len(record) == 1 and not record[0].strip()):
            continue  # a blank line, skipped as pandas skips it
        if columns is None:
            columns = record
            continue
        if not columns:
            columns = [f"column_{i}" for i in range(1, len(record) + 1)]
        records.append(record)
        if len(record) != len(columns):
            bad.append(BadRow(len(records), line, len(record)))
    columns = columns or []
    return RecordCheck(columns, len(columns), bad, records)


def describe_bad_row(bad: BadRow, expected: int) -> str:
    """'row 7 (line 8) has 6 fields, the header has 5' (no value of the row: it may hold personal data)."""
    return f"row {bad.row} (line {bad.line}) has {bad.fields} fields, the header has {expected}"


def without_bad_records(checked: RecordCheck, delimiter: str, options: Mapping[str, Any]) -> tuple[str, list[int]]:
    """The file's text without the bad records (for pandas to read as before) and the kept records' data rows."""
    bad = {b.row for b in checked.bad}
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, quotechar=options.get("quotechar", '"'), lineterminator="\n")
    has_header = "header" not in options or options["header"] is not None
    if has_header:
        writer.writerow(checked.columns)
    kept = [row for row in range(1, len(checked.records) + 1) if row not in bad]
    writer.writerows(checked.records[row - 1] for row in kept)
    return out.getvalue(), kept

"""Validation of records already mapped onto the internal columns.

Each check stops at the first offending row and names it, because a data
scientist fixing a file needs a location, not a count. Row checks run per batch
as the source streams past; the table checks (unique ids, label support) run on
what :mod:`vigil.data.record_stats` kept of every batch. Checks that *change*
data (dropping rare labels) only happen when the config asks for it, and what
was dropped is returned so it lands in the data-quality report.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from vigil.data.schema import CREATED_AT, LABEL, RECORD_ID, TEXT
from vigil.errors import DataValidationError


@dataclass(frozen=True)
class Location:
    """Where a record sits in the source: the file (a part, for a directory) and its 1-based data row."""

    path: str
    row: int

    def describe(self, relative_to: str) -> str:
        """``row 3``, or ``part-1.csv row 3`` when the record is in another file than ``relative_to``."""
        return f"row {self.row}" if self.path == relative_to else f"{self.path} row {self.row}"


def _first_row(mask: pd.Series) -> int:
    """0-based position of the first True in ``mask``."""
    return int(mask.to_numpy().nonzero()[0][0])


def _blank(series: pd.Series) -> pd.Series:
    return series.isna() | (series.astype(str).str.strip() == "")


def check_not_empty(n_records: int, path: str) -> None:
    if n_records == 0:
        raise DataValidationError(path, "no data rows")


def check_required(frame: pd.DataFrame, path: str, column: str, source_column: str, first_row: int = 1) -> None:
    """No missing or whitespace-only value in ``column`` (``first_row``: the file row of the frame's first row)."""
    blank = _blank(frame[column])
    if blank.any():
        raise DataValidationError(path, f"empty {column}", row=_first_row(blank) + first_row, column=source_column)


def raise_duplicate_id(value: str, duplicate: Location, first: Location, source_column: str) -> None:
    """Name both rows of a repeated record id (the first may be in another part file)."""
    raise DataValidationError(
        duplicate.path,
        f"duplicate record_id {value!r} (first seen at {first.describe(duplicate.path)})",
        row=duplicate.row,
        column=source_column,
    )


def check_label_support(
    counts: Mapping[str, int],
    first_seen: Mapping[str, Location],
    path: str,
    source_column: str,
    min_examples: int,
    policy: str,
) -> dict[str, int]:
    """Every label needs ``min_examples`` rows so each split gets one; fail, or return what to drop, per policy."""
    rare = {label: n for label, n in counts.items() if n < min_examples}
    if not rare or policy == "drop":
        return rare
    # Every rare label in one message (naming only the first sent users round the loop once per label).
    ordered = sorted(rare, key=lambda label: (first_seen[label].path, first_seen[label].row))
    first = first_seen[ordered[0]]
    listed = ", ".join(
        f"{label!r} ({rare[label]}, first at {first_seen[label].describe(first.path)})" for label in ordered
    )
    need = f"fewer than the {min_examples} examples the split needs"
    subject = f"label {listed} has {need}" if len(ordered) == 1 else f"{len(ordered)} labels have {need}: {listed}"
    shown = path if first.path == path else first.path
    raise DataValidationError(
        shown,
        f"{subject} (add examples, merge labels, or set data.rare_labels: drop)",
        row=first.row,
        column=source_column,
    )


def check_critical_classes(critical: list[str], counts: Mapping[str, int], path: str, source_column: str) -> None:
    """A critical class must be a label of the data: a typo would otherwise fail the evaluate stage minutes in."""
    unknown = [label for label in critical if label not in counts]
    if unknown:
        known = ", ".join(repr(label) for label in sorted(counts)[:20]) + (", ..." if len(counts) > 20 else "")
        raise DataValidationError(
            path,
            f"data.critical_classes {', '.join(map(repr, unknown))} "
            f"{'is not a label' if len(unknown) == 1 else 'are not labels'} of the data (labels: {known})",
            column=source_column,
        )


def parse_created_at(
    frame: pd.DataFrame, path: str, source_column: str, fmt: str | None, first_row: int = 1
) -> pd.DataFrame:
    """Parse ``created_at`` to UTC-naive timestamps; an unparseable value names its row."""
    raw = frame[CREATED_AT]
    parsed = pd.to_datetime(raw, format=fmt, errors="coerce")
    bad = parsed.isna() & ~_blank(raw)
    if bad.any():
        position = _first_row(bad)
        raise DataValidationError(
            path,
            f"cannot parse date {str(raw.iloc[position])!r}" + (f" with format {fmt!r}" if fmt else ""),
            row=position + first_row,
            column=source_column,
        )
    return frame.assign(**{CREATED_AT: parsed})


def validate_batch(
    frame: pd.DataFrame,
    path: str,
    source_names: Mapping[str, str],
    *,
    first_row: int = 1,
    created_at_format: str | None = None,
) -> pd.DataFrame:
    """The row-level checks, in the order a user would fix them; the table-level ones follow the last batch."""
    for column in (RECORD_ID, TEXT, LABEL):
        check_required(frame, path, column, source_names[column], first_row)
    if CREATED_AT in frame.columns:
        frame = parse_created_at(frame, path, source_names[CREATED_AT], created_at_format, first_row)
    return frame

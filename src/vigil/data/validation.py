"""Validation of a dataset already mapped onto the internal columns.

Each check stops at the first offending row and names it, because a data
scientist fixing a file needs a location, not a count. Checks that *change*
data (dropping rare labels) only happen when the config asks for it, and what
was dropped is returned so it lands in the data-quality report.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from vigil.data.schema import CREATED_AT, LABEL, RECORD_ID, TEXT
from vigil.errors import DataValidationError


@dataclass
class ValidationOutcome:
    """The clean frame plus what was removed on purpose (never silently)."""

    frame: pd.DataFrame
    dropped_rare_labels: dict[str, int] = field(default_factory=dict)


def _first_row(mask: pd.Series) -> int:
    """1-based data row of the first True in ``mask`` (row 1 = first row under the header)."""
    return int(mask.to_numpy().nonzero()[0][0]) + 1


def _blank(series: pd.Series) -> pd.Series:
    return series.isna() | (series.astype(str).str.strip() == "")


def check_not_empty(frame: pd.DataFrame, path: str) -> None:
    if frame.empty:
        raise DataValidationError(path, "no data rows")


def check_required(frame: pd.DataFrame, path: str, column: str, source_column: str) -> None:
    """No missing or whitespace-only value in ``column``."""
    blank = _blank(frame[column])
    if blank.any():
        raise DataValidationError(path, f"empty {column}", row=_first_row(blank), column=source_column)


def check_unique_ids(frame: pd.DataFrame, path: str, source_column: str) -> None:
    duplicated = frame[RECORD_ID].duplicated(keep="first")
    if duplicated.any():
        row = _first_row(duplicated)
        value = frame[RECORD_ID].iloc[row - 1]
        first = _first_row(frame[RECORD_ID] == value)
        raise DataValidationError(
            path, f"duplicate record_id {value!r} (first seen at row {first})", row=row, column=source_column
        )


def check_label_support(
    frame: pd.DataFrame, path: str, source_column: str, min_examples: int, policy: str
) -> ValidationOutcome:
    """Every label needs ``min_examples`` rows so each split gets one; fail or drop per policy."""
    counts = frame[LABEL].value_counts()
    rare = counts[counts < min_examples]
    if rare.empty:
        return ValidationOutcome(frame)
    if policy == "drop":
        kept = frame[~frame[LABEL].isin(rare.index)].reset_index(drop=True)
        return ValidationOutcome(kept, {str(k): int(v) for k, v in rare.items()})
    # Every rare label in one message (naming only the first sent users round the loop once per label).
    first_rows = {str(label): _first_row(frame[LABEL] == label) for label in rare.index}
    ordered = sorted(first_rows, key=first_rows.__getitem__)
    listed = ", ".join(f"{label!r} ({int(rare[label])}, first at row {first_rows[label]})" for label in ordered)
    need = f"fewer than the {min_examples} examples the split needs"
    subject = f"label {listed} has {need}" if len(ordered) == 1 else f"{len(ordered)} labels have {need}: {listed}"
    raise DataValidationError(
        path,
        f"{subject} (add examples, merge labels, or set data.rare_labels: drop)",
        row=first_rows[ordered[0]],
        column=source_column,
    )


def parse_created_at(frame: pd.DataFrame, path: str, source_column: str, fmt: str | None) -> pd.DataFrame:
    """Parse ``created_at`` to UTC-naive timestamps; an unparseable value names its row."""
    raw = frame[CREATED_AT]
    parsed = pd.to_datetime(raw, format=fmt, errors="coerce")
    bad = parsed.isna() & ~_blank(raw)
    if bad.any():
        raise DataValidationError(
            path,
            f"cannot parse date {str(raw.iloc[_first_row(bad) - 1])!r}" + (f" with format {fmt!r}" if fmt else ""),
            row=_first_row(bad),
            column=source_column,
        )
    return frame.assign(**{CREATED_AT: parsed})


def validate_records(
    frame: pd.DataFrame,
    path: str,
    source_names: dict[str, str],
    *,
    min_examples_per_label: int,
    rare_label_policy: str,
    created_at_format: str | None = None,
) -> ValidationOutcome:
    """Run every check in the order a user would fix them; ``source_names`` maps internal -> source column."""
    check_not_empty(frame, path)
    for column in (RECORD_ID, TEXT, LABEL):
        check_required(frame, path, column, source_names[column])
    check_unique_ids(frame, path, source_names[RECORD_ID])
    if CREATED_AT in frame.columns:
        frame = parse_created_at(frame, path, source_names[CREATED_AT], created_at_format)
    return check_label_support(frame, path, source_names[LABEL], min_examples_per_label, rare_label_policy)

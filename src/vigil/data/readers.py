"""Readers for user data: CSV and Parquet, strict about encoding and delimiter, helpful when they differ.

Encoding problems are located, not just reported: when strict UTF-8 decoding
fails, the bytes are decoded again with ``surrogateescape`` so a bad byte
survives parsing as a marker character, and the cell holding it gives the
exact row and column for the error message.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from vigil.data.csv_rows import BadRow, can_check, check_records, describe_bad_row, without_bad_records
from vigil.data.file_sniffing import DELIMITER_NAMES, excel_kind, likely_delimiter, likely_encoding
from vigil.errors import DataValidationError

_SURROGATE_LOW, _SURROGATE_HIGH = "\udc80", "\udcff"


def _has_bad_bytes(value: object) -> bool:
    return isinstance(value, str) and any(_SURROGATE_LOW <= ch <= _SURROGATE_HIGH for ch in value)


def _raise_on_bad_bytes(frame: pd.DataFrame, path: str, message: str, first_row: int = 1) -> None:
    for column in frame.columns:
        if frame[column].dtype != object:
            continue
        bad = frame[column].map(_has_bad_bytes)
        if bad.any():
            row = int(bad.to_numpy().nonzero()[0][0]) + first_row
            raise DataValidationError(path, message, row=row, column=str(column))


def read_csv(
    path: str | os.PathLike[str],
    options: Mapping[str, Any] | None = None,
    shown: str | None = None,
    bad_rows: str = "error",
    quarantined: list[BadRow] | None = None,
) -> pd.DataFrame:
    """Read a CSV (UTF-8 unless ``options`` names an ``encoding``) with every column as text.

    Ids like '00123' keep their zeros. A file that is not what the options say
    (another delimiter, another encoding, an Excel workbook) is refused with the
    setting that would read it (:mod:`vigil.data.file_sniffing`). ``shown`` names
    the file in errors when ``path`` is a local copy (a part fetched from a remote).
    A record with another field count than the header's stops the read naming it,
    or with ``bad_rows="quarantine"`` is left out and appended to ``quarantined``
    (:mod:`vigil.data.csv_rows`); the frame's index is then each record's data row.
    """
    raw = Path(path).read_bytes()
    path = shown or str(path)
    if not raw.strip():
        raise DataValidationError(path, "file is empty")
    workbook = excel_kind(raw)
    if workbook:
        raise DataValidationError(
            path,
            f"is an Excel workbook (.{workbook}), not CSV: save the sheet as 'CSV UTF-8' or Parquet and point "
            "data.source at it (Vigil does not read Excel files: formulas, merged cells and dates need a human choice)",
        )
    pandas_options = dict(options or {})
    encoding = str(pandas_options.pop("encoding", "utf-8"))
    try:
        text, engine = raw.decode(encoding), "c"
    except LookupError:
        raise DataValidationError(
            path, f"data.csv_options.encoding {encoding!r} is not an encoding Python knows"
        ) from None
    except UnicodeDecodeError:
        # Slow path, only to locate the bad cell: the C parser cannot carry surrogates.
        text, engine = raw.decode(encoding, errors="surrogateescape"), "python"
    delimiter = pandas_options.get("sep", pandas_options.get("delimiter", ","))
    text = text.removeprefix("\ufeff")
    kept_rows: list[int] | None = None
    if engine == "c" and can_check(pandas_options):
        checked = check_records(text, pandas_options)
        if checked.bad and checked.expected > 1:
            if bad_rows != "quarantine":
                first = checked.bad[0]
                more = f" (and {len(checked.bad) - 1} more)" if len(checked.bad) > 1 else ""
                name = DELIMITER_NAMES.get(delimiter, repr(delimiter))
                raise DataValidationError(
                    path,
                    f"{describe_bad_row(first, checked.expected)}{more}: an unquoted {name} in a value? "
                    "Quote the value, or set data.bad_rows: quarantine to set such rows aside",
                    row=first.row,
                )
            if quarantined is not None:
                quarantined.extend(checked.bad)
            text, kept_rows = without_bad_records(checked, delimiter, pandas_options)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            dtype=object,
            keep_default_na=False,
            na_values=[""],
            engine=engine,
            **pandas_options,
        )
    except pd.errors.ParserError as exc:
        _raise_on_other_delimiter(text, delimiter, path)
        raise DataValidationError(path, f"cannot parse CSV: {exc}") from exc
    if engine == "python":
        utf8 = encoding.lower().replace("_", "-") in ("utf-8", "utf8")
        shown = "UTF-8" if utf8 else encoding
        hint = (
            f"re-save the file as UTF-8, or set data.csv_options: {{encoding: {likely_encoding(raw)}}}"
            if utf8
            else "check data.csv_options.encoding"
        )
        _raise_on_bad_bytes(frame.astype(object), path, f"text is not valid {shown} ({hint})")
        raise DataValidationError(path, f"file is not valid {shown} ({hint})")
    if len(frame.columns) == 1:
        _raise_on_other_delimiter(text, delimiter, path)
    if kept_rows is not None:
        frame.index = pd.Index(kept_rows, name="source_row")
    return frame


def _raise_on_other_delimiter(text: str, delimiter: str, path: str) -> None:
    """Refuse a file that another delimiter would read as a table, naming that delimiter and the setting."""
    other = likely_delimiter(text.removeprefix("\ufeff"), delimiter)
    if other is None:
        return
    columns = len(next(csv.reader([text.removeprefix("\ufeff").splitlines()[0]], delimiter=other)))
    raise DataValidationError(
        path,
        f"looks {DELIMITER_NAMES[other]}-separated (the header splits into {columns} columns on {other!r}, not on "
        f"{delimiter!r}): set data.csv_options: {{sep: {json.dumps(other)}}}",  # YAML reads JSON strings as written
    )


def _decode_binary(frame: pd.DataFrame) -> pd.DataFrame:
    """Binary columns as text, bad bytes kept as surrogates so the check below can locate them."""

    def decode(value: object) -> object:
        return value.decode("utf-8", errors="surrogateescape") if isinstance(value, bytes) else value

    for column in frame.columns:
        if frame[column].dtype == object and frame[column].map(lambda v: isinstance(v, bytes)).any():
            frame[column] = frame[column].map(decode)
    return frame


def iter_parquet(
    path: str | os.PathLike[str], batch_rows: int, shown: str | None = None
) -> Iterator[tuple[int, pd.DataFrame]]:
    """Yield ``(first_row, frame)`` per batch of at most ``batch_rows`` rows; binary columns must decode as UTF-8.

    Batches follow the file's row groups, so memory is bounded by a batch, not
    by the file. A file without rows yields one empty frame, so its columns are
    still checked against the mapping.
    """
    shown = shown or str(path)
    if Path(path).stat().st_size == 0:
        raise DataValidationError(shown, "file is empty")
    try:
        parquet = pq.ParquetFile(path)
        if parquet.metadata.num_rows == 0:
            yield 1, parquet.schema_arrow.empty_table().to_pandas()
            return
        first_row = 1
        for batch in parquet.iter_batches(batch_size=batch_rows):
            frame = _decode_binary(batch.to_pandas())
            _raise_on_bad_bytes(
                frame.astype(object),
                shown,
                "text is not valid UTF-8 (re-write the Parquet file's text as UTF-8)",
                first_row,
            )
            yield first_row, frame
            first_row += len(frame)
    except DataValidationError:
        raise
    except Exception as exc:  # pyarrow raises several unrelated types for corrupt files
        raise DataValidationError(shown, f"cannot read Parquet: {exc}") from exc


def iter_table(
    path: str | os.PathLike[str],
    fmt: str,
    csv_options: Mapping[str, Any] | None = None,
    *,
    batch_rows: int,
    shown: str | None = None,
    bad_rows: str = "error",
    quarantined: list[BadRow] | None = None,
) -> Iterator[tuple[int, pd.DataFrame]]:
    """Dispatch on the configured format: Parquet in batches, CSV whole (its errors are located in the file).

    A CSV with quarantined rows comes as runs of consecutive data rows, each with its first row, so
    every later error still names the record's own row.
    """
    if fmt == "csv":
        frame = read_csv(path, csv_options, shown, bad_rows, quarantined)
        yield from contiguous_runs(frame)
    elif fmt == "parquet":
        yield from iter_parquet(path, batch_rows, shown)
    else:
        raise ValueError(f"unsupported format {fmt!r}")


def contiguous_runs(frame: pd.DataFrame) -> Iterator[tuple[int, pd.DataFrame]]:
    """``(first_row, rows)`` per run of consecutive data rows (one run, from row 1, for an ordinary read)."""
    if frame.index.name != "source_row" or frame.empty:
        yield 1, frame.reset_index(drop=True)
        return
    rows = frame.index.to_numpy()
    breaks = [0, *(int(i) + 1 for i in (rows[1:] != rows[:-1] + 1).nonzero()[0]), len(rows)]
    for start, end in zip(breaks, breaks[1:], strict=False):
        yield int(rows[start]), frame.iloc[start:end].reset_index(drop=True)

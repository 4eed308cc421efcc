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
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from vigil.data.file_sniffing import DELIMITER_NAMES, excel_kind, likely_delimiter, likely_encoding
from vigil.errors import DataValidationError

_SURROGATE_LOW, _SURROGATE_HIGH = "\udc80", "\udcff"


def _has_bad_bytes(value: object) -> bool:
    return isinstance(value, str) and any(_SURROGATE_LOW <= ch <= _SURROGATE_HIGH for ch in value)


def _raise_on_bad_bytes(frame: pd.DataFrame, path: str, message: str) -> None:
    for column in frame.columns:
        if frame[column].dtype != object:
            continue
        bad = frame[column].map(_has_bad_bytes)
        if bad.any():
            row = int(bad.to_numpy().nonzero()[0][0]) + 1
            raise DataValidationError(path, message, row=row, column=str(column))


def read_csv(path: str | os.PathLike[str], options: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Read a CSV (UTF-8 unless ``options`` names an ``encoding``) with every column as text.

    Ids like '00123' keep their zeros. A file that is not what the options say
    (another delimiter, another encoding, an Excel workbook) is refused with the
    setting that would read it (:mod:`vigil.data.file_sniffing`).
    """
    path = str(path)
    raw = Path(path).read_bytes()
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
    try:
        frame = pd.read_csv(
            io.StringIO(text.removeprefix("\ufeff")),
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


def read_parquet(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a Parquet file; binary columns must decode as UTF-8."""
    path = str(path)
    if Path(path).stat().st_size == 0:
        raise DataValidationError(path, "file is empty")
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several unrelated types for corrupt files
        raise DataValidationError(path, f"cannot read Parquet: {exc}") from exc
    for column in frame.columns:
        if frame[column].dtype == object and frame[column].map(lambda v: isinstance(v, bytes)).any():

            def decode(value: object) -> object:
                return value.decode("utf-8", errors="surrogateescape") if isinstance(value, bytes) else value

            frame[column] = frame[column].map(decode)
    _raise_on_bad_bytes(
        frame.astype(object), path, "text is not valid UTF-8 (re-write the Parquet file's text as UTF-8)"
    )
    return frame


def read_table(path: str | os.PathLike[str], fmt: str, csv_options: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Dispatch on the configured format, with a clear error when the file is missing."""
    if not Path(path).exists():
        raise DataValidationError(str(path), "file not found (is it tracked with `dvc add` and pulled?)")
    if fmt == "csv":
        return read_csv(path, csv_options)
    if fmt == "parquet":
        return read_parquet(path)
    raise ValueError(f"unsupported format {fmt!r}")

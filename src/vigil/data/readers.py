"""Readers for user data: CSV and Parquet, strict about encoding.

Encoding problems are located, not just reported: when strict UTF-8 decoding
fails, the bytes are decoded again with ``surrogateescape`` so a bad byte
survives parsing as a marker character, and the cell holding it gives the
exact row and column for the error message.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from vigil.errors import DataValidationError

_SURROGATE_LOW, _SURROGATE_HIGH = "\udc80", "\udcff"


def _has_bad_bytes(value: object) -> bool:
    return isinstance(value, str) and any(_SURROGATE_LOW <= ch <= _SURROGATE_HIGH for ch in value)


def _raise_on_bad_bytes(frame: pd.DataFrame, path: str) -> None:
    for column in frame.columns:
        if frame[column].dtype != object:
            continue
        bad = frame[column].map(_has_bad_bytes)
        if bad.any():
            row = int(bad.to_numpy().nonzero()[0][0]) + 1
            raise DataValidationError(
                path, "text is not valid UTF-8 (re-save the file as UTF-8)", row=row, column=str(column)
            )


def read_csv(path: str | os.PathLike[str], options: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Read a UTF-8 CSV with every column as text (ids like '00123' keep their zeros)."""
    path = str(path)
    raw = Path(path).read_bytes()
    if not raw.strip():
        raise DataValidationError(path, "file is empty")
    try:
        text, engine = raw.decode("utf-8"), "c"
    except UnicodeDecodeError:
        # Slow path, only to locate the bad cell: the C parser cannot carry surrogates.
        text, engine = raw.decode("utf-8", errors="surrogateescape"), "python"
    try:
        frame = pd.read_csv(
            io.StringIO(text.removeprefix("\ufeff")),
            dtype=object,
            keep_default_na=False,
            na_values=[""],
            engine=engine,
            **dict(options or {}),
        )
    except pd.errors.ParserError as exc:
        raise DataValidationError(path, f"cannot parse CSV: {exc}") from exc
    if engine == "python":
        _raise_on_bad_bytes(frame.astype(object), path)
        raise DataValidationError(path, "file is not valid UTF-8 (re-save the file as UTF-8)")
    return frame


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
    _raise_on_bad_bytes(frame.astype(object), path)
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

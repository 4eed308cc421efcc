"""A first look at a directory of part files: guesses from the first parts, counts from every part.

Spark, Hive and most exporters write a table as ``part-*.parquet`` (or ``.csv``) files,
which ingest reads one part at a time (``vigil.data.part_files``). Such a table can hold
more rows than one process should load, so ``vigil data init`` does not load it either:

- the column guesses need values, not every value: they come from the first parts in
  path order, up to ``SAMPLE_ROWS`` rows;
- the row count and the label counts (which decide the labels too rare to split) must be
  exact: every part is read, one part and one column at a time.

The directory's parts are chosen as ingest chooses them (writers' ``_SUCCESS`` and
``.crc`` sidecars skipped, a file of another format refused by name), and Hive-style
``key=value`` folders are columns here as they are there (``vigil.data.hive_partitions``),
so what is inspected is what will be ingested.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from vigil.data.hive_partitions import partition_keys, partition_values, with_partition_columns
from vigil.data.part_files import PART_SUFFIXES, is_bookkeeping, select_parts
from vigil.errors import DataValidationError, VigilError
from vigil.onboarding.inspection import Inspection, as_text, inspect_frame, read_for_inspection

SAMPLE_ROWS = 20_000  # enough for every guess (the guesses look at most at 500 values of a column)


def _format_of(relatives: list[str]) -> str:
    """The format most of the data files have; ``select_parts`` then refuses the others by name."""
    data = [r.lower() for r in relatives if not is_bookkeeping(r)]
    parquet = sum(r.endswith(PART_SUFFIXES["parquet"]) for r in data)
    return "parquet" if parquet and parquet * 2 >= len(data) else "csv"


def _parquet_head(part: Path, rows: int) -> pd.DataFrame:
    """The first ``rows`` rows of a Parquet part, batch by batch: a part can be far larger than the sample."""
    try:
        parquet = pq.ParquetFile(part)
        batches = []
        for batch in parquet.iter_batches(batch_size=min(rows, 50_000)):
            batches.append(batch)
            rows -= batch.num_rows
            if rows <= 0:
                break
        table = pa.Table.from_batches(batches, schema=parquet.schema_arrow)
    except (pa.ArrowException, OSError) as exc:
        raise VigilError(f"{part}: cannot read as Parquet ({exc})") from None
    return as_text(table.to_pandas())


def _sample(directory: Path, parts: list[Path], keys: list[str], fmt: str) -> tuple[pd.DataFrame, str, str]:
    """The first parts' rows (up to ``SAMPLE_ROWS``) with their folders' columns, and the encoding and delimiter."""
    frames: list[pd.DataFrame] = []
    header: list[str] = []
    encoding, delimiter, rows = "utf-8", ",", 0
    for part in parts:
        if fmt == "parquet":
            frame, part_encoding, part_delimiter = _parquet_head(part, SAMPLE_ROWS - rows), "utf-8", ","
        else:
            frame, _, part_encoding, part_delimiter = read_for_inspection(part)
        if frames and list(frame.columns) != header:
            raise VigilError(
                f"{part}: columns {list(frame.columns)} differ from {parts[0].name}'s {header}; "
                "the parts of one table share one header"
            )
        if frames and part_delimiter != delimiter:
            raise VigilError(f"{part}: delimiter {part_delimiter!r}, but {parts[0].name} uses {delimiter!r}")
        header, delimiter = list(frame.columns), part_delimiter
        encoding = part_encoding if part_encoding != "utf-8" else encoding  # ASCII parts read as UTF-8 too
        try:
            frames.append(with_partition_columns(frame, _relative(directory, part), keys, str(part)))
        except DataValidationError as exc:
            raise VigilError(str(exc)) from None
        rows += len(frame)
        if rows >= SAMPLE_ROWS:
            break
    return pd.concat(frames, ignore_index=True).head(SAMPLE_ROWS), encoding, delimiter


def _relative(directory: Path, part: Path) -> str:
    return part.relative_to(directory).as_posix()


def _read_column(part: Path, column: str | int, fmt: str, encoding: str, delimiter: str) -> pd.Series:
    """One column of one part (a name, or a position), as ingest reads it (CSV: text, a blank is no value)."""
    try:
        if fmt == "parquet":
            table = pq.read_table(part, columns=[column] if isinstance(column, str) else None)
            return as_text(table.column(column).to_pandas())
        return pd.read_csv(
            part, sep=delimiter, encoding=encoding, usecols=[column], dtype=str, keep_default_na=False, na_values=[""]
        ).iloc[:, 0]
    except (ValueError, KeyError, pa.ArrowException) as exc:  # pandas and pyarrow name a missing column
        raise VigilError(f"{part}: cannot read column {column!r} ({exc})") from None
    except UnicodeDecodeError as exc:
        raise VigilError(f"{part}: not readable as {encoding} ({exc.reason} at byte {exc.start})") from None


def _column(directory: Path, part: Path, column: str, keys: list[str], inspection: Inspection) -> pd.Series:
    """One column of one part: read from the file, or (a partition key the file lacks) repeated from its folder."""
    fmt, encoding, delimiter = inspection.format, inspection.encoding, inspection.delimiter
    if column not in keys:
        return _read_column(part, column, fmt, encoding, delimiter)
    if fmt == "parquet":
        metadata = pq.ParquetFile(part).metadata
        names, rows = metadata.schema.to_arrow_schema().names, metadata.num_rows
    else:
        names, rows = list(pd.read_csv(part, sep=delimiter, encoding=encoding, nrows=0).columns), None
    if column in names:
        return _read_column(part, column, fmt, encoding, delimiter)
    if rows is None:
        rows = len(_read_column(part, 0, fmt, encoding, delimiter))
    value = partition_values(_relative(directory, part)).get(column)  # None: a part without this folder
    return pd.Series([value] * rows, dtype=object)


def _counts(directory: Path, parts: list[Path], keys: list[str], inspection: Inspection) -> tuple[int, dict[str, int]]:
    """Rows of every part, and the label counts over every part (blank labels not counted)."""
    column = inspection.label.column if inspection.label else inspection.columns[0]
    rows, counts = 0, pd.Series(dtype="int64")
    for part in parts:
        values = _column(directory, part, column, keys, inspection)
        rows += len(values)
        if inspection.label:
            labels = values.dropna().astype(str).str.strip()
            counts = counts.add(labels[labels != ""].value_counts(), fill_value=0)
    ordered = counts.astype("int64").sort_values(ascending=False, kind="stable")
    return rows, {str(label): int(n) for label, n in ordered.items()}


def inspect_parts(directory: Path) -> Inspection:
    """Guess the roles of the columns of the table in ``directory`` (its part files), and count all its rows."""
    relatives = sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file())
    fmt = _format_of(relatives)
    parts = [directory / r for r in select_parts(str(directory), relatives, fmt)]
    keys = partition_keys(_relative(directory, part) for part in parts)
    sample, encoding, delimiter = _sample(directory, parts, keys, fmt)
    guessed = inspect_frame(str(directory), sample, fmt, encoding, delimiter)
    rows, counts = _counts(directory, parts, keys, guessed)
    return dataclasses.replace(guessed, n_rows=rows, label_counts=counts)

"""Where predictions go: one Parquet file per input part, the whole directory renamed into place at the end."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from vigil.io import atomic_path


@contextmanager
def output_directory(target: Path) -> Iterator[Path]:
    """A staging directory that replaces ``target`` only if every part was written."""
    with atomic_path(target) as staged:
        staged.mkdir()
        yield staged


def write_part(directory: Path, part: Path, schema: pa.Schema, batches: Iterable[pa.RecordBatch]) -> int:
    """``<directory>/<part's stem>.parquet`` from ``batches``; the rows written."""
    rows = 0
    with pq.ParquetWriter(directory / f"{part.stem}.parquet", schema) as writer:
        for batch in batches:
            writer.write_batch(batch)
            rows += batch.num_rows
    return rows

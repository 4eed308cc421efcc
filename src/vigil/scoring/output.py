"""Where predictions go: a Parquet file per input part, at its path; the directory renamed into place at the end."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from vigil.io import atomic_path
from vigil.scoring.parts import InputPart


@contextmanager
def output_directory(target: Path) -> Iterator[Path]:
    """A staging directory that replaces ``target`` only if every part was written."""
    with atomic_path(target) as staged:
        staged.mkdir()
        yield staged


def write_part(directory: Path, part: InputPart, schema: pa.Schema, batches: Iterable[pa.RecordBatch]) -> int:
    """``<directory>/<part's output path>`` from ``batches``; the rows written."""
    rows = 0
    target = directory / part.output
    target.parent.mkdir(parents=True, exist_ok=True)
    with pq.ParquetWriter(target, schema) as writer:
        for batch in batches:
            writer.write_batch(batch)
            rows += batch.num_rows
    return rows

"""Ingest's output table written batch by batch, so the records never sit in memory all at once.

The first batch fixes the schema; later batches are cast to it (a column that is
all-missing in one part must not change type in the file). Rare labels are
known only after the last batch, so when ``data.rare_labels: drop`` removes
some, the table is copied once more without them, row group by row group.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq


class ParquetAppender:
    """A Parquet file that grows by one row group per ``write``; a sink for :func:`vigil.data.sources.load_dataset`."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._writer: pq.ParquetWriter | None = None

    def __call__(self, frame: pd.DataFrame) -> None:
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.path, table.schema)
        else:
            table = table.cast(self._writer.schema)
        self._writer.write_table(table)

    def __enter__(self) -> ParquetAppender:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._writer is not None:
            self._writer.close()


def copy_without(source: Path, target: Path, column: str, values: list[str]) -> None:
    """Copy a Parquet file, row group by row group, leaving out the rows whose ``column`` is in ``values``."""
    parquet = pq.ParquetFile(source)
    with pq.ParquetWriter(target, parquet.schema_arrow) as writer:
        for group in range(parquet.num_row_groups):
            table = parquet.read_row_group(group)
            writer.write_table(table.filter(pc.invert(pc.is_in(table[column], value_set=pa.array(values)))))

"""What a scrub writes and counts, whichever engine did the scrubbing.

Both engines (a process pool here, Spark on a cluster) hand this writer the raw
record batches in file order with each batch's scrubbed result, so the scrubbed
Parquet file, its row groups, the vault and the counts in ``privacy.json`` come
out of one piece of code: equal input gives byte-equal output on either engine.
The scrubbed file is written incrementally to a temporary path and renamed only
on success; the vault is written after it, the same way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from vigil.data.schema import RECORD_ID, TEXT
from vigil.io import atomic_path
from vigil.privacy.residual import ResidualCounts
from vigil.privacy.scrubber import BatchResult

VAULT_SCHEMA = pa.schema(
    [
        (RECORD_ID, pa.string()),
        ("entity_type", pa.string()),
        ("start", pa.int32()),
        ("end", pa.int32()),
        ("ciphertext", pa.string()),
    ]
)


@dataclass
class ScrubTotals:
    records_scanned: int = 0
    records_with_pii: int = 0
    entity_counts: Counter = field(default_factory=Counter)
    records_by_type: Counter = field(default_factory=Counter)
    residual: ResidualCounts = field(default_factory=ResidualCounts)


class ScrubWriter:
    """Appends scrubbed batches to the staged Parquet file and collects vault rows and totals."""

    def __init__(self, staged: Path, input_schema: pa.Schema) -> None:
        self.totals = ScrubTotals()
        self.vault_rows: list[tuple[str, str, int, int, str]] = []
        self._staged = staged
        self._input_schema = input_schema
        self._writer: pq.ParquetWriter | None = None

    def add(self, batch: pa.RecordBatch, result: BatchResult, residual: ResidualCounts) -> None:
        """``batch`` is the raw records, ``result`` its scrubbed texts (same order), ``residual`` their scan."""
        ids = batch.column(RECORD_ID).to_pylist()
        column = batch.schema.get_field_index(TEXT)
        scrubbed = batch.set_column(column, TEXT, pa.array(result.texts, type=batch.schema.field(TEXT).type))
        table = pa.Table.from_batches([scrubbed])
        if self._writer is None:
            self._writer = pq.ParquetWriter(self._staged, table.schema)
        self._writer.write_table(table)
        totals = self.totals
        totals.records_scanned += len(ids)
        totals.records_with_pii += result.records_with_pii
        totals.entity_counts.update(result.entity_counts)
        totals.records_by_type.update(result.records_by_type)
        totals.residual.merge(residual)
        self.vault_rows.extend((ids[v.row], v.entity_type, v.start, v.end, v.ciphertext) for v in result.vault)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()

    def finish(self) -> None:
        """After the last batch: an input with no records still gives a valid, empty file with its schema."""
        self.close()
        if self._writer is None:
            pq.write_table(self._input_schema.empty_table(), self._staged)


@contextmanager
def scrub_output(target: str | Path, vault_target: str | Path, input_schema: pa.Schema) -> Iterator[ScrubWriter]:
    """A writer whose scrubbed file and vault appear at their targets only if the block finishes."""
    with atomic_path(target) as staged:
        writer = ScrubWriter(staged, input_schema)
        try:
            yield writer
        finally:
            writer.close()  # on error too: the Parquet writer holds the staged file open
        writer.finish()
    _write_vault(vault_target, writer.vault_rows)


def _write_vault(vault_target: str | Path, vault_rows: list[tuple[str, str, int, int, str]]) -> None:
    with atomic_path(vault_target) as staged_vault:
        columns: list[Sequence[Any]] = list(zip(*vault_rows, strict=True)) if vault_rows else [[] for _ in VAULT_SCHEMA]
        pq.write_table(
            pa.Table.from_arrays(
                [pa.array(c, type=f.type) for c, f in zip(columns, VAULT_SCHEMA, strict=True)], schema=VAULT_SCHEMA
            ),
            staged_vault,
        )

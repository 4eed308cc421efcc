"""Scrub a Parquet file in bounded memory on every core.

Row groups are streamed in chunks of ``chunk_rows``; at most two chunks per
worker are in flight, so memory stays flat however long the file is. Each
worker process builds its own scrubber once and runs the independent residual scan on its output. Output is
written incrementally to a temporary file that is renamed only on success.
"""

from __future__ import annotations

import multiprocessing as mp
from collections import Counter, deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

from vigil.data.schema import RECORD_ID, TEXT
from vigil.io import atomic_path
from vigil.privacy.config import ScrubConfig
from vigil.privacy.lexicon import preload
from vigil.privacy.residual import ResidualCounts, residual_scan
from vigil.privacy.scrubber import BatchResult, Scrubber

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


_WORKER: Scrubber | None = None


def _init_worker(config: ScrubConfig) -> None:
    global _WORKER
    _WORKER = Scrubber(config)


def _scrub_chunk(texts: list[str]) -> tuple[BatchResult, ResidualCounts]:
    assert _WORKER is not None, "worker not initialised"
    result = _WORKER.scrub_batch(texts)
    return result, residual_scan(result.texts)


def _results(config: ScrubConfig, chunks: Iterator[list[str]]) -> Iterator[tuple[BatchResult, ResidualCounts]]:
    """Chunk results in input order, with at most 2 x workers chunks in flight."""
    workers = config.effective_workers()
    if workers == 1:
        _init_worker(config)
        yield from map(_scrub_chunk, chunks)
        return
    context = mp.get_context("fork")
    preload()  # word tables built once here are inherited by every forked worker
    with context.Pool(workers, initializer=_init_worker, initargs=(config,)) as pool:
        pending: deque = deque()
        for chunk in chunks:
            pending.append(pool.apply_async(_scrub_chunk, (chunk,)))
            if len(pending) >= 2 * workers:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


def scrub_parquet(
    source: str | Path, target: str | Path, vault_target: str | Path, config: ScrubConfig, progress: bool = False
) -> ScrubTotals:
    """Scrub the ``text`` column of ``source`` into ``target``; encrypted values go to ``vault_target``."""
    reader = pq.ParquetFile(source)
    totals = ScrubTotals()
    batches: deque[pa.RecordBatch] = deque()

    def texts() -> Iterator[list[str]]:
        for batch in reader.iter_batches(batch_size=config.chunk_rows):
            batches.append(batch)
            yield batch.column(TEXT).to_pylist()

    vault_rows: list[tuple[str, str, int, int, str]] = []
    bar = tqdm(total=reader.metadata.num_rows, desc="scrub", unit="rec", disable=not progress)
    with atomic_path(target) as staged:
        writer: pq.ParquetWriter | None = None
        try:
            for result, residual in _results(config, texts()):
                batch = batches.popleft()
                ids = batch.column(RECORD_ID).to_pylist()
                column = batch.schema.get_field_index(TEXT)
                scrubbed = batch.set_column(column, TEXT, pa.array(result.texts, type=batch.schema.field(TEXT).type))
                table = pa.Table.from_batches([scrubbed])
                if writer is None:
                    writer = pq.ParquetWriter(staged, table.schema)
                writer.write_table(table)
                totals.records_scanned += len(ids)
                totals.records_with_pii += result.records_with_pii
                totals.entity_counts.update(result.entity_counts)
                totals.records_by_type.update(result.records_by_type)
                totals.residual.merge(residual)
                vault_rows.extend((ids[v.row], v.entity_type, v.start, v.end, v.ciphertext) for v in result.vault)
                bar.update(len(ids))
        finally:
            bar.close()
            if writer is not None:
                writer.close()
        if writer is None:  # empty input: still a valid, empty Parquet file with the input schema
            pq.write_table(reader.schema_arrow.empty_table(), staged)
    with atomic_path(vault_target) as staged_vault:
        columns: list[Sequence[Any]] = list(zip(*vault_rows, strict=True)) if vault_rows else [[] for _ in VAULT_SCHEMA]
        pq.write_table(
            pa.Table.from_arrays(
                [pa.array(c, type=f.type) for c, f in zip(columns, VAULT_SCHEMA, strict=True)], schema=VAULT_SCHEMA
            ),
            staged_vault,
        )
    return totals

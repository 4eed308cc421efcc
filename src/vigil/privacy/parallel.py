"""The local engine: scrub a Parquet file in bounded memory on every core of this machine.

Row groups are streamed in chunks of ``chunk_rows``; at most two chunks per
worker are in flight, so memory stays flat however long the file is. Each
worker process builds its own scrubber once and runs the independent residual scan on its output.
What is written, and how it is counted, is :mod:`vigil.privacy.scrub_output` (shared with the Spark engine).
"""

from __future__ import annotations

import multiprocessing as mp
from collections import deque
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

from vigil.data.schema import TEXT
from vigil.privacy.config import ScrubConfig
from vigil.privacy.lexicon import preload
from vigil.privacy.name_model import load_name_model
from vigil.privacy.residual import ResidualCounts, residual_model_for, residual_scan
from vigil.privacy.residual_model import ResidualNameModel
from vigil.privacy.scrub_output import ScrubTotals, scrub_output
from vigil.privacy.scrubber import BatchResult, Scrubber

_WORKER: Scrubber | None = None
_RESIDUAL: ResidualNameModel | None = None


def _init_worker(config: ScrubConfig) -> None:
    global _WORKER, _RESIDUAL
    _WORKER = Scrubber(config)
    _RESIDUAL = residual_model_for(config.residual_model_path)


def _scrub_chunk(texts: list[str]) -> tuple[BatchResult, ResidualCounts]:
    assert _WORKER is not None, "worker not initialised"
    result = _WORKER.scrub_batch(texts)
    return result, residual_scan(result.texts, _RESIDUAL)


def _results(config: ScrubConfig, chunks: Iterator[list[str]]) -> Iterator[tuple[BatchResult, ResidualCounts]]:
    """Chunk results in input order, with at most 2 x workers chunks in flight."""
    workers = config.effective_workers()
    if workers == 1:
        _init_worker(config)
        yield from map(_scrub_chunk, chunks)
        return
    context = mp.get_context("fork")
    preload()  # word tables built once here are inherited by every forked worker
    if config.name_model_path:
        load_name_model(config.name_model_path)  # so are both models (each is loaded once per process, cached)
    residual_model_for(config.residual_model_path)
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
    batches: deque[pa.RecordBatch] = deque()

    def texts() -> Iterator[list[str]]:
        for batch in reader.iter_batches(batch_size=config.chunk_rows):
            batches.append(batch)
            yield batch.column(TEXT).to_pylist()

    bar = tqdm(total=reader.metadata.num_rows, desc="scrub", unit="rec", disable=not progress)
    with scrub_output(target, vault_target, reader.schema_arrow) as output, bar:
        for result, residual in _results(config, texts()):
            batch = batches.popleft()
            output.add(batch, result, residual)
            bar.update(batch.num_rows)
    return output.totals

"""The Spark engine: the driver streams the raw file to Spark in windows and writes what comes back in order.

How the driver feeds Spark, and why it is the driver that reads the file, is
:mod:`vigil.spark.windows`; the order it keeps is the one the split downstream
depends on. The analysis, which is where the time goes, runs on the executors,
one scrubber per executor process (:mod:`vigil.privacy.spark_partition`).

Counting and writing are :mod:`vigil.privacy.scrub_output`, the local engine's
own, fed per-note findings from the executors: the same input gives the same
bytes on either engine.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

from vigil.data.schema import RECORD_ID, TEXT
from vigil.log import get_logger
from vigil.privacy.config import ScrubConfig, operator_keys
from vigil.privacy.residual import ResidualCounts
from vigil.privacy.scrub_output import ScrubTotals, scrub_output
from vigil.privacy.scrubber import BatchResult, ScrubbedRow, VaultEntry
from vigil.privacy.spark_partition import OUTPUT_DDL, PartitionScrubber, ScrubModels
from vigil.spark.settings import SparkSettings
from vigil.spark.windows import map_window, windows

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

INPUT_SCHEMA = pa.schema([(RECORD_ID, pa.string()), (TEXT, pa.string())])


def scrub_parquet_on_spark(
    session: SparkSession,
    source: str | Path,
    target: str | Path,
    vault_target: str | Path,
    config: ScrubConfig,
    settings: SparkSettings,
    progress: bool = False,
) -> ScrubTotals:
    """Scrub ``source`` on ``session``'s executors into ``target`` and ``vault_target`` (as the local engine)."""
    function = PartitionScrubber(config, operator_keys(config), ScrubModels.load(config))
    reader = pq.ParquetFile(source)
    log = get_logger("spark.scrub")
    bar = tqdm(total=reader.metadata.num_rows, desc="scrub (spark)", unit="rec", disable=not progress)
    with scrub_output(target, vault_target, reader.schema_arrow) as output, bar:
        chunks = reader.iter_batches(batch_size=config.chunk_rows)
        for number, window in enumerate(windows(chunks, settings.window_rows), start=1):
            started = time.perf_counter()
            pairs = pa.Table.from_batches(window).select([RECORD_ID, TEXT]).cast(INPUT_SCHEMA)
            scrubbed = map_window(session, pairs, function, OUTPUT_DDL, str(source))
            offset = 0
            for batch in window:
                output.add(batch, *_batch_result(scrubbed.slice(offset, batch.num_rows)))
                offset += batch.num_rows
            rows = sum(batch.num_rows for batch in window)
            seconds = time.perf_counter() - started
            bar.update(rows)
            log.info(
                "window scrubbed",
                extra={
                    "window": number,
                    "records": rows,
                    "seconds": round(seconds, 3),
                    "records_per_second": round(rows / seconds, 1) if seconds else None,
                },
            )
    return output.totals


def _batch_result(part: pa.Table) -> tuple[BatchResult, ResidualCounts]:
    """The executors' per-note columns for one batch, as the local engine's batch result and residual counts."""
    columns = part.to_pydict()
    rows = []
    for index, text in enumerate(columns[TEXT]):
        vault = tuple(
            VaultEntry(index, entity, start, end, ciphertext)
            for entity, start, end, ciphertext in zip(
                columns["vault_types"][index],
                columns["vault_starts"][index],
                columns["vault_ends"][index],
                columns["vault_ciphertexts"][index],
                strict=True,
            )
        )
        rows.append(ScrubbedRow(text, tuple(columns["entity_types"][index]), vault))
    residual = ResidualCounts()
    for found in columns["residual_types"]:
        residual.add_record(Counter(found))
    return BatchResult.from_rows(rows), residual

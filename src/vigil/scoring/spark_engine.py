"""Score on Spark: each input part streamed to the executors in windows, its predictions written as one part.

The model's files go to the executors once, as a broadcast with the manifest's
hashes; each executor checks its copy before loading it
(:mod:`vigil.scoring.spark_partition`). Feeding Spark and keeping the order is
:mod:`vigil.spark.windows`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
from tqdm import tqdm

from vigil.log import get_logger
from vigil.scoring.output import output_directory, write_part
from vigil.scoring.parts import InputPart, read_columns
from vigil.scoring.prediction import output_schema
from vigil.scoring.spark_partition import PartitionScorer
from vigil.spark.settings import SparkSettings
from vigil.spark.windows import map_window, windows

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def score_on_spark(
    session: SparkSession,
    model_dir: Path,
    digests: Mapping[str, str],
    labels: list[str],
    parts: Sequence[InputPart],
    out: Path,
    columns: tuple[str, str],
    settings: SparkSettings,
    batch_rows: int,
    progress: bool = False,
) -> dict[str, int]:
    """Rows scored per part (by its path under the input), as :func:`vigil.scoring.local_engine.score_locally`."""
    schema = output_schema(labels)
    files = session.sparkContext.broadcast({name: (model_dir / name).read_bytes() for name in digests})
    function = PartitionScorer(files, digests)
    rows: dict[str, int] = {}
    try:
        with output_directory(out) as staged:
            for part in tqdm(parts, desc="score (spark)", unit="part", disable=not progress):
                batches = read_columns(part.path, *columns, batch_rows)
                scored = _scored(session, part, batches, function, schema, settings.window_rows)
                rows[part.relative] = write_part(staged, part, schema, scored)
    finally:
        files.destroy()
    return rows


def _scored(
    session: SparkSession,
    part: InputPart,
    batches: Iterator[pa.RecordBatch],
    function: PartitionScorer,
    schema: pa.Schema,
    window_rows: int,
) -> Iterator[pa.RecordBatch]:
    """The part's predictions in input order, one Spark job per window."""
    from pyspark.sql.pandas.types import from_arrow_schema

    spark_schema = from_arrow_schema(schema)
    log = get_logger("spark.score")
    for window in windows(batches, window_rows):
        started = time.perf_counter()
        table = pa.Table.from_batches(window)
        result = map_window(session, table, function, spark_schema, str(part.path))
        seconds = time.perf_counter() - started
        speed = round(table.num_rows / seconds, 1) if seconds else None
        log.info("window scored", extra={"part": part.relative, "records": table.num_rows, "records_per_second": speed})
        yield from result.cast(schema).to_batches()

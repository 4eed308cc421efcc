"""Feed Spark from the driver a window at a time, and get each window back in its input order.

Why the driver streams instead of letting executors read the files: a stage's
input and outputs are files in the DVC workspace, which a cluster's executors
cannot see. Shipping each window to Spark as an Arrow table and collecting its
result needs no shared storage and no cloud connector, works the same on
``local[*]``, a standalone cluster or Kubernetes, and keeps the input's order.
The driver holds one window at a time, so its memory does not grow with the data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from vigil.data.schema import RECORD_ID
from vigil.errors import VigilError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def windows(batches: Iterable[pa.RecordBatch], window_rows: int) -> Iterator[list[pa.RecordBatch]]:
    """Consecutive batches grouped into lists of at least ``window_rows`` rows (the last may hold fewer)."""
    window: list[pa.RecordBatch] = []
    size = 0
    for batch in batches:
        window.append(batch)
        size += batch.num_rows
        if size >= window_rows:
            yield window
            window, size = [], 0
    if window:
        yield window


def map_window(
    session: SparkSession, window: pa.Table, function: Callable[..., Any], schema: Any, where: str
) -> pa.Table:
    """One Spark job: ``function`` (a ``mapInArrow`` function) over ``window``, the result in input order.

    ``createDataFrame`` of an Arrow table slices it, in order, into batches of
    ``spark.sql.execution.arrow.maxRecordsPerBatch`` rows spread over the default
    parallelism; ``toArrow`` returns the partitions in that order. The result's
    ``record_id`` column must repeat the window's, row for row: a result in another
    order, or with a row missing, stops the run (``where`` names the input) instead of
    pairing a note with another note's output.
    """
    result = session.createDataFrame(window).mapInArrow(function, schema).toArrow()
    if result.column(RECORD_ID).to_pylist() != window.column(RECORD_ID).to_pylist():
        raise VigilError(f"{where}: Spark returned a window's records out of order or incomplete")
    return result

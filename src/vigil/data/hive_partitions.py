"""Columns a writer moved out of the part files into their folder names (Hive-style partitioning).

``df.write.partitionBy("region")`` in Spark, ``pq.write_to_dataset(...,
partition_cols=[...])`` in pyarrow and Hive itself store a table as
``region=br_southeast/part-00000.parquet``: the ``region`` column is no longer in
any file, only in the path. A reader that ignores the path loses that column,
and the column a writer partitions by is often exactly a group the fairness
audit needs (a region, a site, a month). So a part's ``key=value`` folders are
read back as columns, as Spark and pyarrow's dataset reader do:

- keys and values are percent-decoded (writers escape ``/``, ``=``, ``%``, ``:``
  and other characters that cannot stand in a folder name);
- ``__HIVE_DEFAULT_PARTITION__`` is the writers' spelling of a missing value;
- a part without one of the table's keys (a folder layout that changed over
  time) has no value for it, like a blank cell;
- a part file that also holds the column must agree with its folder, or the
  part is refused by name: two different values for one cell is not a table.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import PurePosixPath
from urllib.parse import unquote

import pandas as pd

from vigil.errors import DataValidationError

HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"


def partition_values(relative: str) -> dict[str, str | None]:
    """The ``key=value`` folders above a part (its path relative to the table's root), outermost first."""
    values: dict[str, str | None] = {}
    for folder in PurePosixPath(relative).parts[:-1]:
        key, equals, value = folder.partition("=")
        if equals and key:
            decoded = unquote(value)
            values[unquote(key)] = None if decoded == HIVE_NULL else decoded
    return values


def partition_keys(relatives: Iterable[str]) -> list[str]:
    """Every partition key of a table's parts, in the order the folders first show them."""
    keys: dict[str, None] = {}
    for relative in relatives:
        keys.update(dict.fromkeys(partition_values(relative)))
    return list(keys)


def with_partition_columns(frame: pd.DataFrame, relative: str, keys: list[str], shown: str) -> pd.DataFrame:
    """``frame`` (rows of the part at ``relative``) with a column per partition key; ``shown`` names the part."""
    values = partition_values(relative)
    added = {}
    for key in keys:
        if key not in frame.columns:
            added[key] = pd.Series([values.get(key)] * len(frame), index=frame.index, dtype=object)
        elif key in values:
            held = frame[key].dropna().astype(str)
            differing = held[held != values[key]] if values[key] is not None else held
            if len(differing):
                raise DataValidationError(
                    shown,
                    f"{len(differing)} rows of the file hold another value than its folder's {key}={values[key]!r} "
                    "(a column is in the files or in the folder names, with one value)",
                    column=key,
                )
    # One concat, not an assign per column: a wide part (hundreds of columns) would be copied once per key.
    return pd.concat([frame, pd.DataFrame(added, index=frame.index)], axis=1) if added else frame

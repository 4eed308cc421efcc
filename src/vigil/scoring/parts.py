"""The input of a batch scoring run: one Parquet or CSV file, or a directory of part files.

Why parts are kept apart: a table that outgrew one machine arrives as part files
(``part-00000.parquet``, ...), often in Hive-style ``key=value`` folders
(``region=br_southeast/part-00000.parquet``). Predictions are written one output
file per input part, at the same path under the output directory, so a consumer
can pair them up, re-run one part, or load them with the same partitioning as
their source. Parts are chosen as ingest chooses them: writers' sidecars
(``_SUCCESS``, ``.crc`` files) skipped, any other file refused by name rather than
left unscored.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from vigil.data.part_files import data_files
from vigil.errors import VigilError

SUFFIXES = (".parquet", ".csv")


@dataclass(frozen=True)
class InputPart:
    """A part file and its path under the input (its name, for a single file)."""

    path: Path
    relative: str

    @property
    def output(self) -> str:
        """Where its predictions go under the output directory: the same folders, as Parquet."""
        return PurePosixPath(self.relative).with_suffix(".parquet").as_posix()


def input_parts(source: Path) -> list[InputPart]:
    """The part files of ``source`` in path order; one line naming the problem otherwise."""
    if source.is_file():
        parts = [InputPart(source, source.name)]
    elif source.is_dir():
        relatives = [p.relative_to(source).as_posix() for p in source.rglob("*") if p.is_file()]
        data = data_files(str(source), relatives, SUFFIXES, ".parquet or .csv parts")  # sidecars skipped, strays named
        parts = [InputPart(source / r, r) for r in data]
    else:
        raise VigilError(f"{source}: no such file or directory")
    if not parts or any(p.path.suffix not in SUFFIXES for p in parts):
        raise VigilError(f"{source}: expected a .parquet or .csv file, or a directory of them")
    outputs = [p.output for p in parts]
    if len(set(outputs)) != len(outputs):
        shared = sorted(o for o in outputs if outputs.count(o) > 1)[0]
        raise VigilError(f"{source}: two part files would write the same predictions file ({shared})")
    return parts


def read_columns(part: Path, id_column: str, text_column: str, batch_rows: int) -> Iterator[pa.RecordBatch]:
    """(id, text) batches of ``part`` as strings, read incrementally; a missing column is named."""
    if part.suffix == ".parquet":
        names = pq.ParquetFile(part).schema_arrow.names
        _require(part, names, id_column, text_column)
        batches = pq.ParquetFile(part).iter_batches(batch_size=batch_rows, columns=[id_column, text_column])
    else:
        options = pacsv.ConvertOptions(
            include_columns=[id_column, text_column], column_types={id_column: pa.string(), text_column: pa.string()}
        )
        try:
            reader = pacsv.open_csv(part, read_options=pacsv.ReadOptions(block_size=1 << 22), convert_options=options)
        except (pa.ArrowInvalid, KeyError) as exc:
            raise VigilError(
                f"{part}: cannot read as CSV with columns {id_column!r} and {text_column!r} ({exc})"
            ) from None
        batches = iter(reader)
    for batch in batches:
        ids = batch.column(id_column).cast(pa.string())
        texts = batch.column(text_column).cast(pa.string())
        if texts.null_count:
            raise VigilError(f"{part}: column {text_column!r} has an empty value (record {_first_null_id(ids, texts)})")
        yield pa.RecordBatch.from_arrays([ids, texts], names=["record_id", "text"])


def _require(part: Path, names: list[str], *columns: str) -> None:
    missing = [c for c in columns if c not in names]
    if missing:
        raise VigilError(f"{part}: no column {missing[0]!r} (columns: {names})")


def _first_null_id(ids: pa.Array, texts: pa.Array) -> str:
    index = texts.is_null().to_pylist().index(True)
    return str(ids[index].as_py())

"""What a Spark executor runs: scrub a partition's Arrow batches with a scrubber built once per process.

Arrow in, Arrow out (``mapInArrow``): no pandas conversion on either side, so the
executor's only work is the scrubbing itself.

Why a module-level cache and a top-level class: Spark pickles the function it is
given into every task. A closure would be pickled by value, cache included, so each
task would start with an empty cache and rebuild presidio and spaCy (seconds) per
task. ``PartitionScrubber`` is pickled by reference to this module; the Python
worker that imports it once (workers are reused across tasks) keeps the scrubber
for every later task and window.

An exception raised here travels into Spark's logs with its message, and a
message can quote the text that caused it; so failures are re-raised naming the
record id and the exception type only.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pyarrow as pa

from vigil.data.schema import RECORD_ID, TEXT
from vigil.log import configure, get_logger
from vigil.privacy.config import OperatorKeys, ScrubConfig
from vigil.privacy.name_model import NameModel, load_name_model
from vigil.privacy.residual import residual_model_for, scan_text
from vigil.privacy.residual_model import ResidualNameModel
from vigil.privacy.scrubber import Scrubber

# What an executor returns, one row per note: the scrubbed text and what was found in it (never a value).
_STRINGS = pa.list_(pa.string())
OUTPUT_SCHEMA = pa.schema(
    [
        (RECORD_ID, pa.string()),
        (TEXT, pa.string()),
        ("entity_types", _STRINGS),
        ("residual_types", _STRINGS),
        ("vault_types", _STRINGS),
        ("vault_starts", pa.list_(pa.int32())),
        ("vault_ends", pa.list_(pa.int32())),
        ("vault_ciphertexts", _STRINGS),
    ]
)
_SPARK_TYPES = {pa.string(): "string", _STRINGS: "array<string>", pa.list_(pa.int32()): "array<int>"}
OUTPUT_DDL = ", ".join(f"{field.name} {_SPARK_TYPES[field.type]}" for field in OUTPUT_SCHEMA)

_CACHED: tuple[ScrubConfig, OperatorKeys, Scrubber] | None = None


@dataclass(frozen=True)
class ScrubModels:
    """The two learned models, loaded by the driver and shipped inside the task: executors read no workspace file."""

    name: NameModel | None
    residual: ResidualNameModel | None

    @classmethod
    def load(cls, config: ScrubConfig) -> ScrubModels:
        name = load_name_model(config.name_model_path) if config.name_model_path else None
        return cls(name, residual_model_for(config.residual_model_path))


def scrubber_for(config: ScrubConfig, keys: OperatorKeys, models: ScrubModels) -> Scrubber:
    """This process's scrubber for ``config``; built on first use, rebuilt only for another configuration."""
    global _CACHED
    if _CACHED is None or _CACHED[0] != config or _CACHED[1] != keys:
        configure()  # an executor's Python worker logs JSON lines to its stderr, as the stage does
        _CACHED = (config, keys, Scrubber(config, keys, models.name))
        get_logger("spark.scrub").info("scrubber built", extra={"pid": os.getpid()})  # once per process
    return _CACHED[2]


class PartitionScrubber:
    """The ``mapInArrow`` function: (record_id, text) batches in, scrubbed text and per-note findings out."""

    def __init__(self, config: ScrubConfig, keys: OperatorKeys, models: ScrubModels) -> None:
        self.config = config
        self.keys = keys
        self.models = models

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        scrubber = scrubber_for(self.config, self.keys, self.models)
        for batch in batches:
            yield scrub_batch(scrubber, batch, self.models.residual)


def scrub_batch(scrubber: Scrubber, batch: pa.RecordBatch, residual_model: ResidualNameModel | None) -> pa.RecordBatch:
    """One Arrow batch of (record_id, text) scrubbed, in :data:`OUTPUT_SCHEMA`."""
    ids = batch.column(RECORD_ID).to_pylist()
    try:
        rows = scrubber.scrub_rows(batch.column(TEXT).to_pylist())
        residual = [sorted(scan_text(row.text, residual_model).elements()) for row in rows]
    except Exception as exc:  # noqa: BLE001 - re-raised without its message (it may quote the text)
        first, last = (ids[0], ids[-1]) if ids else ("", "")
        raise RuntimeError(
            f"scrub failed on the batch of records {first}..{last} ({type(exc).__name__}; message withheld)"
        ) from None
    return pa.RecordBatch.from_pydict(
        {
            RECORD_ID: ids,
            TEXT: [row.text for row in rows],
            "entity_types": [list(row.entity_types) for row in rows],
            "residual_types": residual,
            "vault_types": [[v.entity_type for v in row.vault] for row in rows],
            "vault_starts": [[v.start for v in row.vault] for row in rows],
            "vault_ends": [[v.end for v in row.vault] for row in rows],
            "vault_ciphertexts": [[v.ciphertext for v in row.vault] for row in rows],
        },
        schema=OUTPUT_SCHEMA,
    )

"""Turn the configured source into internal records, batch by batch: generate or read, map, clean, validate.

This is the whole of ``ingest``'s logic; the stage script only wires params to
it and writes the outputs. The source streams: a file or each part file of a
directory (local, or on a DVC remote) is read in batches, every batch is
mapped, cleaned, checked row by row and handed to a sink, and only a few bytes
per record stay behind (:mod:`vigil.data.record_stats`) for the profile and the
table-level checks. Memory is bounded by a batch, not by the table.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from vigil.data import synthetic
from vigil.data.csv_rows import BadRow
from vigil.data.derived_ids import DERIVED, derive_ids
from vigil.data.header import detect_header
from vigil.data.hive_partitions import with_partition_columns
from vigil.data.part_files import PartSource, open_source
from vigil.data.readers import iter_table
from vigil.data.record_stats import RecordStats, RecordSummary
from vigil.data.schema import CREATED_AT, LABEL, OPTIONAL_COLUMNS, RECORD_ID, REQUIRED_COLUMNS, TEXT, DataSpec
from vigil.data.unlabelled import UNLABELLED, add_counts, mark_unlabelled, raise_all_unlabelled
from vigil.data.validation import (
    check_critical_classes,
    check_label_support,
    check_not_empty,
    raise_duplicate_id,
    validate_batch,
)
from vigil.errors import DataValidationError
from vigil.log import get_logger

MISSING_GROUP = "<missing>"
# Rows per Parquet batch (and per generated batch): large enough that per-batch overhead vanishes,
# small enough that a batch's text is tens of MB. A CSV part is read whole (its errors are located in it).
BATCH_ROWS = 50_000

RecordSink = Callable[[pd.DataFrame], None]


@dataclass
class LoadedDataset:
    """What ingest learnt of the validated records, plus what the report must mention.

    ``frame`` holds the records only when no sink took them (tests, benches).
    """

    summary: RecordSummary
    frame: pd.DataFrame | None = None
    gold_pii: list[dict[str, Any]] = field(default_factory=list)
    dropped_rare_labels: dict[str, int] = field(default_factory=dict)
    unlabelled: dict[str, int] = field(default_factory=dict)  # records set aside per "no label" spelling
    quarantined: list[dict[str, Any]] = field(default_factory=list)  # CSV rows with the wrong field count
    missing_group_values: dict[str, int] = field(default_factory=dict)
    source_names: dict[str, str] = field(default_factory=dict)
    group_columns: list[str] = field(default_factory=list)
    source: str = ""
    parts: int | None = None  # part files read, for a directory source
    source_sha256: str | None = None

    @property
    def removed_labels(self) -> list[str]:
        """Label values whose records the sink received but the output must not keep."""
        return removed_label_values(self.dropped_rare_labels, self.unlabelled)


def removed_label_values(dropped_rare_labels: Mapping[str, int], unlabelled: Mapping[str, int]) -> list[str]:
    """The rare labels dropped, and the one internal value every "no label" spelling became (if any was met)."""
    return [*dropped_rare_labels, *([UNLABELLED] if unlabelled else [])]


@dataclass(frozen=True)
class SourceBatch:
    """A batch of records mapped onto the internal columns, where it came from, and its gold spans."""

    path: str
    first_row: int
    frame: pd.DataFrame
    gold: list[dict[str, Any]] = field(default_factory=list)


def source_names(spec: DataSpec) -> dict[str, str]:
    """Internal column -> source column, as the mapping reads them (identity for generated data)."""
    names = {internal: spec.columns[internal] for internal in REQUIRED_COLUMNS}
    if spec.derives_ids:
        names[RECORD_ID] = DERIVED
    names.update({c: spec.columns[c] for c in OPTIONAL_COLUMNS if spec.columns.get(c)})
    names.update(spec.sensitive_features)
    return names


def map_columns(raw: pd.DataFrame, spec: DataSpec, path: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """Select and rename source columns; a missing one is named along with what exists."""
    wanted = {internal: source for internal, source in source_names(spec).items() if source != DERIVED}
    for internal, source in wanted.items():
        if source not in raw.columns:
            raise_missing_column(raw, internal, source, path)
    frame = pd.DataFrame({internal: raw[source].astype(object) for internal, source in wanted.items()})
    return frame, wanted


def raise_missing_column(raw: pd.DataFrame, internal: str, source: str, path: str) -> None:
    """Name the missing column and what exists, unless the "header" is a record: its cells are then data
    (a customer's name, a note) and are not echoed; the error says how to read a file without a header row."""
    header = [str(c) for c in raw.columns]
    rows = [header, *(["" if v is None else str(v) for v in row] for row in raw.head(200).itertuples(index=False))]
    if not detect_header(rows).present:
        names = [f"column_{i}" for i in range(1, len(header) + 1)]
        raise DataValidationError(
            path,
            f"missing column for {internal}: the first row reads as a record, not a header (its cells are not "
            f"shown); set data.csv_options: {{header: null, names: {names}}} and map the columns by those names",
            column=source,
        )
    shown = ", ".join(header[:12]) + (", ..." if len(header) > 12 else "")
    raise DataValidationError(path, f"missing column for {internal} (available: {shown})", column=source)


def _clean_strings(frame: pd.DataFrame, strip: bool) -> pd.DataFrame:
    """Strip fixed-width padding (common in exports) and turn blank cells into missing."""
    out = frame.copy()
    for column in out.columns:
        if column == CREATED_AT or out[column].dtype != object:
            continue
        values = out[column].map(lambda v: v.strip() if strip and isinstance(v, str) else v)
        out[column] = values.map(lambda v: None if isinstance(v, str) and v == "" else v)
    return out


def _fill_groups(frame: pd.DataFrame, groups: list[str]) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Missing group values become an explicit category: the audit must see them, not drop them."""
    missing = {g: frame[g].isna().to_numpy() for g in groups}
    filled = frame.assign(**{g: frame[g].fillna(MISSING_GROUP).astype(str) for g in groups})
    return filled, missing


def _synthetic_batches(cfg: synthetic.SyntheticConfig, path: str, progress: bool) -> Iterator[SourceBatch]:
    first_row = 1
    for frame, gold in synthetic.generate_batches(cfg, BATCH_ROWS, progress=progress):
        yield SourceBatch(path, first_row, frame, gold)
        first_row += len(frame)


def _file_batches(spec: DataSpec, parts: PartSource, quarantined: list[dict[str, Any]]) -> Iterator[SourceBatch]:
    log = get_logger("data.sources")
    mapped = set(source_names(spec).values())
    keys = [key for key in parts.partition_keys if key in mapped]  # folder columns ingest uses; the rest are ignored
    seen: dict[str, int] = {}  # occurrences per note digest, across parts, for derived ids
    for number, part in enumerate(parts.parts, start=1):
        started, records = time.perf_counter(), 0
        with parts.local_copy(part) as local:
            bad: list[BadRow] = []
            batches = iter_table(
                local,
                spec.format,
                spec.csv_options,
                batch_rows=BATCH_ROWS,
                shown=part.shown,
                bad_rows=spec.bad_rows,
                quarantined=bad,
            )
            for first_row, raw in batches:
                raw = with_partition_columns(raw, part.relative, keys, part.shown)
                frame, _ = map_columns(raw, spec, part.shown)
                records += len(frame)
                frame = _clean_strings(frame, spec.strip_whitespace)
                if spec.derives_ids:
                    frame.insert(0, RECORD_ID, derive_ids(frame[TEXT], seen))
                yield SourceBatch(part.shown, first_row, frame)
            quarantined.extend({"path": part.shown, "row": b.row, "line": b.line, "fields": b.fields} for b in bad)
        seconds = time.perf_counter() - started
        log.info(
            "part read",
            extra={
                "part": number,
                "parts": len(parts.parts),
                "records": records,
                "seconds": round(seconds, 2),
                "records_per_s": round(records / seconds) if seconds else None,
            },
        )


def load_dataset(
    data_params: Mapping[str, Any],
    seed: int,
    min_examples_per_label: int,
    progress: bool = False,
    sink: RecordSink | None = None,
) -> LoadedDataset:
    """Stream the source described by ``params.data`` through validation into ``sink`` (or into memory).

    ``sink`` receives every validated batch in source order, including the
    records of labels dropped as rare (those are known only after the last
    batch): the caller removes ``dropped_rare_labels`` from what it kept.
    """
    from tqdm import tqdm

    spec = DataSpec.from_params(data_params)
    quarantined: list[dict[str, Any]] = []
    if spec.format == "synthetic":
        parts = None
        groups = list(synthetic.GROUP_COLUMNS if not spec.group_columns else spec.group_columns)
        names: dict[str, str] = {}
        cfg = synthetic.SyntheticConfig.from_params(spec.synthetic, seed)
        path = f"synthetic(seed={seed}, n={cfg.n_records})"
        batches = _synthetic_batches(cfg, path, progress)
    else:
        parts = open_source(spec.source, spec.format)
        groups = spec.group_columns
        names = source_names(spec)
        path = spec.source
        batches = _file_batches(spec, parts, quarantined)
    stats = RecordStats(groups)
    unlabelled: dict[str, int] = {}
    kept: list[pd.DataFrame] = []
    gold: list[dict[str, Any]] = []
    with tqdm(desc="ingest", unit="rec", disable=not progress) as bar:
        for batch in batches:
            shown = names or {c: c for c in batch.frame.columns}
            marked, spellings = mark_unlabelled(batch.frame, spec.unlabelled_values if parts else ())
            add_counts(unlabelled, spellings)
            frame = validate_batch(
                marked, batch.path, shown, first_row=batch.first_row, created_at_format=spec.created_at_format
            )
            frame, missing = _fill_groups(frame, groups)
            frame = frame.assign(**{c: frame[c].astype(str) for c in (RECORD_ID, TEXT, LABEL)})
            stats.add(frame, batch.path, batch.first_row, missing_groups=missing)
            gold.extend(batch.gold)
            (sink or kept.append)(frame)
            bar.update(len(frame))
            names = names or shown
    check_not_empty(stats.n_records, path)
    duplicate = stats.first_duplicate_id()
    if duplicate:
        raise_duplicate_id(*duplicate, source_column=names[RECORD_ID])
    labelled = {label: n for label, n in stats.label_counts.items() if label != UNLABELLED}
    if not labelled:
        raise_all_unlabelled(path, names[LABEL], unlabelled)
    if parts is not None:
        check_critical_classes(
            [str(c) for c in data_params.get("critical_classes") or []], labelled, path, names[LABEL]
        )
    dropped = check_label_support(
        labelled, stats.first_seen, path, names[LABEL], min_examples_per_label, spec.rare_labels
    )
    removed_labels = removed_label_values(dropped, unlabelled)
    summary = stats.summary(removed_labels)
    if removed_labels:
        removed = stats.ids_with_labels(removed_labels)
        gold = [g for g in gold if g[RECORD_ID] not in removed]
    frame = None
    if sink is None:
        frame = pd.concat(kept, ignore_index=True) if len(kept) > 1 else kept[0]
        frame = frame[~frame[LABEL].isin(removed_labels)].reset_index(drop=True)
    return LoadedDataset(
        summary=summary,
        frame=frame,
        gold_pii=gold,
        dropped_rare_labels=dropped,
        unlabelled=unlabelled,
        quarantined=quarantined,
        missing_group_values=summary.missing_groups,
        source_names=names,
        group_columns=groups,
        source=path,
        parts=None if parts is None or parts.single_file else len(parts.parts),
        source_sha256=parts.digest() if parts else None,
    )

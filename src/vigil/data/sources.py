"""Turn the configured source into the internal frame: generate or read, map, clean, validate.

This is the whole of ``ingest``'s logic; the stage script only wires params
to it and writes the outputs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from vigil.data import synthetic
from vigil.data.readers import read_table
from vigil.data.schema import CREATED_AT, LABEL, OPTIONAL_COLUMNS, RECORD_ID, REQUIRED_COLUMNS, TEXT, DataSpec
from vigil.data.validation import validate_records
from vigil.errors import DataValidationError

MISSING_GROUP = "<missing>"


@dataclass
class LoadedDataset:
    """Validated records in the internal schema, plus what the report must mention."""

    frame: pd.DataFrame
    gold_pii: list[dict[str, Any]] = field(default_factory=list)
    dropped_rare_labels: dict[str, int] = field(default_factory=dict)
    missing_group_values: dict[str, int] = field(default_factory=dict)
    source_names: dict[str, str] = field(default_factory=dict)
    group_columns: list[str] = field(default_factory=list)
    source: str = ""


def map_columns(raw: pd.DataFrame, spec: DataSpec, path: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """Select and rename source columns; a missing one is named along with what exists."""
    wanted = {internal: spec.columns[internal] for internal in REQUIRED_COLUMNS}
    wanted.update({c: spec.columns[c] for c in OPTIONAL_COLUMNS if spec.columns.get(c)})
    wanted.update(spec.sensitive_features)
    for internal, source in wanted.items():
        if source not in raw.columns:
            shown = ", ".join(map(str, list(raw.columns)[:12])) + (", ..." if len(raw.columns) > 12 else "")
            raise DataValidationError(path, f"missing column for {internal} (available: {shown})", column=source)
    frame = pd.DataFrame({internal: raw[source].astype(object) for internal, source in wanted.items()})
    return frame, wanted


def _clean_strings(frame: pd.DataFrame, strip: bool) -> pd.DataFrame:
    """Strip fixed-width padding (common in exports) and turn blank cells into missing."""
    out = frame.copy()
    for column in out.columns:
        if column == CREATED_AT or out[column].dtype != object:
            continue
        values = out[column].map(lambda v: v.strip() if strip and isinstance(v, str) else v)
        out[column] = values.map(lambda v: None if isinstance(v, str) and v == "" else v)
    return out


def _fill_groups(frame: pd.DataFrame, groups: list[str]) -> tuple[pd.DataFrame, dict[str, int]]:
    """Missing group values become an explicit category: the audit must see them, not drop them."""
    missing = {g: int(frame[g].isna().sum()) for g in groups}
    filled = frame.assign(**{g: frame[g].fillna(MISSING_GROUP).astype(str) for g in groups})
    return filled, missing


def load_dataset(
    data_params: Mapping[str, Any], seed: int, min_examples_per_label: int, progress: bool = False
) -> LoadedDataset:
    """Produce the validated internal dataset described by ``params.data``."""
    spec = DataSpec.from_params(data_params)
    if spec.format == "synthetic":
        cfg = synthetic.SyntheticConfig.from_params(spec.synthetic, seed)
        frame, gold = synthetic.generate(cfg, progress=progress)
        names = {c: c for c in frame.columns}
        path = f"synthetic(seed={seed}, n={cfg.n_records})"
        groups = list(synthetic.GROUP_COLUMNS if not spec.group_columns else spec.group_columns)
    else:
        path = spec.source
        raw = read_table(path, spec.format, spec.csv_options)
        frame, names = map_columns(raw, spec, path)
        frame = _clean_strings(frame, spec.strip_whitespace)
        gold = []
        groups = spec.group_columns
    outcome = validate_records(
        frame,
        path,
        names,
        min_examples_per_label=min_examples_per_label,
        rare_label_policy=spec.rare_labels,
        created_at_format=spec.created_at_format,
    )
    frame, missing = _fill_groups(outcome.frame, groups)
    frame = frame.assign(
        **{RECORD_ID: frame[RECORD_ID].astype(str), TEXT: frame[TEXT].astype(str), LABEL: frame[LABEL].astype(str)}
    )
    kept = set(frame[RECORD_ID])
    gold = [g for g in gold if g[RECORD_ID] in kept]
    return LoadedDataset(frame, gold, outcome.dropped_rare_labels, missing, names, groups, path)

"""The internal data contract every stage after ``ingest`` relies on.

A user dataset is mapped onto these names by ``params/data/<name>.yaml``
(``columns``), so nothing downstream knows or cares what the source called them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from vigil.config_section import from_section
from vigil.errors import VigilError

RECORD_ID = "record_id"
TEXT = "text"
LABEL = "label"
CREATED_AT = "created_at"

REQUIRED_COLUMNS = (RECORD_ID, TEXT, LABEL)
OPTIONAL_COLUMNS = (CREATED_AT,)
SOURCE_FORMATS = ("synthetic", "csv", "parquet")
RARE_LABEL_POLICIES = ("error", "drop")
BAD_ROW_POLICIES = ("error", "quarantine")
# Label spellings that mean "no label", compared stripped and ignoring case (vigil.data.unlabelled). "none" is
# deliberately absent: maintenance data has real classes called "None" (no defect found).
DEFAULT_UNLABELLED_VALUES = ("", "NA", "N/A", "#N/A", "NaN", "NULL", "-", "--", "?")


# Keys of the data section that other stages read (evaluate: the classes whose F1 a policy watches;
# report: describe, what the report says about the data; robustness: vocabulary, the data's own terms).
OTHER_CONSUMERS = ("critical_classes", "describe", "vocabulary")


@dataclass(frozen=True)
class DataSpec:
    """What ``params.data`` says about the source and how to map it.

    ``columns`` maps internal names to source names; ``sensitive_features``
    maps the internal group column name to its source column.
    """

    name: str
    format: str
    source: str
    columns: Mapping[str, str]
    sensitive_features: Mapping[str, str]
    rare_labels: str = "error"
    strip_whitespace: bool = True
    created_at_format: str | None = None
    csv_options: Mapping[str, Any] = field(default_factory=dict)
    synthetic: Mapping[str, Any] = field(default_factory=dict)
    # Label spellings that mean "no label" (vigil.data.unlabelled): such records are set aside and counted.
    unlabelled_values: tuple[str, ...] = DEFAULT_UNLABELLED_VALUES
    # A CSV record whose field count differs from the header's (vigil.data.csv_rows): stop, or set it aside.
    bad_rows: str = "error"

    @classmethod
    def from_params(cls, data: Mapping[str, Any]) -> DataSpec:
        """Validate the ``data`` params block; every problem names the key."""
        fmt = data.get("format")
        if fmt not in SOURCE_FORMATS:
            raise VigilError(f"params.yaml: data.format must be one of {list(SOURCE_FORMATS)}, got {fmt!r}")
        if fmt != "synthetic":
            columns = data.get("columns") or {}
            missing = [c for c in REQUIRED_COLUMNS if c not in columns]
            if missing:
                hint = " (record_id: null derives ids from the notes)" if RECORD_ID in missing else ""
                raise VigilError(f"params.yaml: data.columns must map {missing} to source columns{hint}")
            unmapped = [c for c in (TEXT, LABEL) if not columns.get(c)]
            if unmapped:
                raise VigilError(f"params.yaml: data.columns must map {unmapped} to source columns, got null")
        rare = data.get("rare_labels", "error")
        if rare not in RARE_LABEL_POLICIES:
            raise VigilError(f"params.yaml: data.rare_labels must be one of {list(RARE_LABEL_POLICIES)}, got {rare!r}")
        if data.get("bad_rows", "error") not in BAD_ROW_POLICIES:
            raise VigilError(
                f"params.yaml: data.bad_rows must be one of {list(BAD_ROW_POLICIES)}, got {data['bad_rows']!r}"
            )
        features = data.get("sensitive_features") or {}
        if isinstance(features, list):
            features = {name: name for name in features}
        clash = set(features) & set(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)
        if clash:
            raise VigilError(f"params.yaml: data.sensitive_features may not reuse internal names {sorted(clash)}")
        mapped = {str(source): role for role, source in (data.get("columns") or {}).items() if source is not None}
        reused = {name: mapped[str(source)] for name, source in features.items() if str(source) in mapped}
        if reused:
            # Groups by the label measure nothing (each group is one class); groups by the text or id are one
            # record each. Either is a configuration slip, e.g. a guessed group left in after fixing the label.
            listed = ", ".join(
                f"{name} (source column {features[name]!r} is columns.{role})" for name, role in reused.items()
            )
            raise VigilError(
                f"params.yaml: data.sensitive_features: {listed}: a group column must not be the record id, "
                "text, label or date; remove it from sensitive_features"
            )
        return from_section(
            cls,
            data,
            "data",
            ignore=("name", "format", "source", "columns", "sensitive_features", *OTHER_CONSUMERS),
            name=str(data.get("name", fmt)),
            format=fmt,
            source=str(data.get("source", "")),
            columns=dict(data.get("columns") or {}),
            sensitive_features=dict(features),
        )

    @property
    def derives_ids(self) -> bool:
        """``columns.record_id: null``: the file has no id column; ingest derives one (vigil.data.derived_ids)."""
        return self.format != "synthetic" and self.columns.get(RECORD_ID) is None

    @property
    def group_columns(self) -> list[str]:
        """Internal names of the sensitive-feature columns, in config order."""
        return list(self.sensitive_features)

"""The data dictionary (``reports/data_dictionary.md``): column (type): description.

Generated from the validated frame and the column mapping so it cannot drift
from the data; values are shown only for low-cardinality group columns, never
for text or identifiers.
"""

from __future__ import annotations

import pandas as pd

from vigil.data.schema import CREATED_AT, LABEL, RECORD_ID, TEXT

DESCRIPTIONS = {
    RECORD_ID: "Unique identifier of the service record; joins predictions back to the source.",
    TEXT: "Free-text technician note or warranty claim; may contain personal data until the scrub stage.",
    LABEL: "Failure mode assigned by the workshop; the classification target.",
    CREATED_AT: "When the record was created (UTC, naive).",
}
_MAX_LISTED_VALUES = 12


def _type_name(series: pd.Series) -> str:
    if pd.api.types.is_datetime64_any_dtype(series):
        return "datetime"
    if pd.api.types.is_numeric_dtype(series):
        return "number"
    return "string"


def render_dictionary(frame: pd.DataFrame, source_names: dict[str, str], group_columns: list[str], dataset: str) -> str:
    """Markdown list, one line per internal column, plus a summary of group values."""
    lines = [f"# Data dictionary: {dataset}", "", f"{len(frame)} records after validation.", ""]
    for column in frame.columns:
        source = source_names.get(column, column)
        if column in DESCRIPTIONS:
            description = DESCRIPTIONS[column]
        elif column in group_columns:
            description = "Sensitive feature used to audit fairness across groups."
        else:
            description = "Additional column."
        mapped = "" if source == column else f" Source column `{source}`."
        missing = int(frame[column].isna().sum())
        lines.append(f"- `{column}` ({_type_name(frame[column])}): {description}{mapped} Missing: {missing}.")
        if column in group_columns or column == LABEL:
            values = frame[column].value_counts()
            shown = ", ".join(f"{k} ({v})" for k, v in values.head(_MAX_LISTED_VALUES).items())
            more = f", and {values.size - _MAX_LISTED_VALUES} more" if values.size > _MAX_LISTED_VALUES else ""
            lines.append(f"  - {values.size} values: {shown}{more}")
    return "\n".join(lines) + "\n"

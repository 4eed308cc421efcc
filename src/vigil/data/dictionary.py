"""The data dictionary (``reports/data_dictionary.md``): column (type): description.

Generated from what ingest kept of the validated records and the column mapping so it cannot drift
from the data; values are shown only for low-cardinality group columns, never
for text or identifiers.
"""

from __future__ import annotations

from vigil.data.record_stats import RecordSummary
from vigil.data.schema import CREATED_AT, LABEL, RECORD_ID, TEXT

DESCRIPTIONS = {
    RECORD_ID: "Unique identifier of the service record; joins predictions back to the source.",
    TEXT: "Free-text technician note or warranty claim; may contain personal data until the scrub stage.",
    LABEL: "Failure mode assigned by the workshop; the classification target.",
    CREATED_AT: "When the record was created (UTC, naive).",
}
_MAX_LISTED_VALUES = 12


def render_dictionary(
    summary: RecordSummary, source_names: dict[str, str], group_columns: list[str], dataset: str
) -> str:
    """Markdown list, one line per internal column, plus a summary of group values."""
    lines = [f"# Data dictionary: {dataset}", "", f"{summary.n_records} records after validation.", ""]
    for column in summary.columns:
        source = source_names.get(column.name, column.name)
        if column.name in DESCRIPTIONS:
            description = DESCRIPTIONS[column.name]
        elif column.name in group_columns:
            description = "Sensitive feature used to audit fairness across groups."
        else:
            description = "Additional column."
        mapped = "" if source == column.name else f" Source column `{source}`."
        lines.append(f"- `{column.name}` ({column.type}): {description}{mapped} Missing: {column.missing}.")
        if column.name in group_columns or column.name == LABEL:
            values = summary.counts(column.name)
            shown = ", ".join(f"{k} ({v})" for k, v in values[:_MAX_LISTED_VALUES])
            more = f", and {len(values) - _MAX_LISTED_VALUES} more" if len(values) > _MAX_LISTED_VALUES else ""
            lines.append(f"  - {len(values)} values: {shown}{more}")
    return "\n".join(lines) + "\n"

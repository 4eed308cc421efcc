"""``params/data/<name>.yaml`` from an inspection: every guessed value marked for the user to confirm."""

from __future__ import annotations

import json
import re
from pathlib import Path

from vigil.errors import VigilError
from vigil.onboarding.inspection import Guess, Inspection

NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
TO_CHECK = "# CHECK"


def _quoted(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML string


def _column(role: str, guess: Guess | None) -> str:
    if guess is None and role == "record_id":
        return (
            f"  record_id: null  {TO_CHECK}: no column has a unique value in every row, so ingest derives an id "
            "from each note (its digest and occurrence); name a column if the file has one"
        )
    if guess is None:
        return f"  {role}: null  {TO_CHECK}: no column looked like the {role}; name the source column"
    return f"  {role}: {_quoted(guess.column)}  {TO_CHECK}: guessed ({guess.why})"


def _label_alternatives(inspection: Inspection) -> list[str]:
    """The runners-up of the label guess, with their evidence, as comments under the columns block."""
    others = inspection.label_candidates[1:]
    if not others:
        return []
    lines = ["  # other label candidates, with the same evidence:"]
    lines += [f"  #   {_quoted(g.column)}: {g.why}" for g in others]
    return lines


def data_config_yaml(inspection: Inspection, name: str, source: str) -> str:
    """The data configuration text, with ``# CHECK`` on every guess and the label counts as a comment."""
    if not NAME.match(name):
        raise VigilError(
            f"{name!r}: a data name is lower case letters, digits and _ (it becomes params/data/{name}.yaml)"
        )
    lines = [
        f"# Data configuration for {Path(inspection.path).name}, written by `vigil data init`.",
        f"# Every line marked {TO_CHECK} is a guess from the column names and values: confirm or correct it,",
        "# then delete the marker. docs/own-data.md explains each key.",
        f"name: {name}",
        f"format: {inspection.format}",
        f"source: {_quoted(source)}",
        "columns:",
        _column("record_id", inspection.record_id),
        _column("text", inspection.text),
        _column("label", inspection.label),
        *_label_alternatives(inspection),
    ]
    if inspection.created_at is not None:
        lines.append(_column("created_at", inspection.created_at))
        lines.append(f"created_at_format: {_quoted(inspection.created_at_format or '')}")
    lines.append("# Groups the fairness audit compares (for example region, language, site, shift):")
    if inspection.groups:
        lines.append("sensitive_features:")
        lines += [f"  {_key(g.column)}: {_quoted(g.column)}  {TO_CHECK}: {g.why}" for g in inspection.groups]
    else:
        lines.append(
            f"sensitive_features: {{}}  {TO_CHECK}: no column looked like a group: the run completes and its "
            "report says fairness is not assessable (FAIR-005); add the columns to audit"
        )
    if inspection.format == "csv":
        lines += _csv_lines(inspection)
    if inspection.unlabelled:
        listed = ", ".join(f"{k} ({v})" for k, v in sorted(inspection.unlabelled.items(), key=lambda kv: -kv[1]))
        total = sum(inspection.unlabelled.values())
        lines.append(
            f"# {total} rows have no label ({listed}): ingest sets them aside and counts them "
            "(data.unlabelled_values lists the spellings that mean no label)"
        )
    rare = inspection.rare_labels
    if rare:
        listed = ", ".join(f"{label} ({count})" for label, count in sorted(rare.items()))
        lines.append(f"rare_labels: drop  {TO_CHECK}: fewer than 3 records, dropped and reported: {listed}")
    lines.append(
        f"critical_classes: []  {TO_CHECK}: the labels whose misses are safety-relevant (PERF-003 audits their "
        "recall; until you list them it reads not assessable)"
    )
    lines += [
        "# Your notes' own words, for the robustness audit: abbreviations (full: abbreviated, e.g. engine: eng)",
        "# and, for notes in two languages, a glossary (term: its translation). An empty table: that rewrite",
        "# is not run, and the report says so.",
        "vocabulary:",
        f"  abbreviations: {{}}  {TO_CHECK}: add the abbreviations your writers use",
        f"  glossary: {{}}  {TO_CHECK}: add term pairs if the notes mix two languages",
    ]
    lines += _describe_block([_key(g.column) for g in inspection.groups])
    counts = ", ".join(f"{label} {count}" for label, count in inspection.label_counts.items())
    if counts:
        lines.append(f"# label counts ({inspection.n_rows} rows): {counts}")
    return "\n".join(lines) + "\n"


def _csv_lines(inspection: Inspection) -> list[str]:
    """csv_options (delimiter, encoding, no header row) and bad_rows, each with what was detected."""
    options: dict[str, object] = {}
    notes = [f"delimiter {inspection.delimiter!r}", inspection.encoding]
    if inspection.delimiter != ",":
        options["sep"] = inspection.delimiter
    if inspection.encoding != "utf-8":
        options["encoding"] = inspection.encoding
    if not inspection.header:
        options["header"] = None
        options["names"] = list(inspection.columns)
        notes.append(f"no header row ({TO_CHECK[2:]}: the first row reads as a record; rename the columns at will)")
    lines = []
    if options:
        rendered = ", ".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in options.items())
        lines.append(f"csv_options: {{{rendered}}}  # detected: {', '.join(notes)}")
    if inspection.header_doubt:
        lines.append(f"# {TO_CHECK}: the first row was read as the header, but {'; '.join(inspection.header_doubt)}")
    if inspection.bad_rows:
        shown = ", ".join(f"row {b.row} (line {b.line}, {b.fields} fields)" for b in inspection.bad_rows[:5])
        more = f" and {len(inspection.bad_rows) - 5} more" if len(inspection.bad_rows) > 5 else ""
        count = len(inspection.bad_rows)
        rows = "1 row has" if count == 1 else f"{count} rows have"
        lines.append(
            f"bad_rows: quarantine  {TO_CHECK}: {rows} another field count than the header ({shown}{more}): set "
            "aside and listed; fix the export, or set error to stop on them"
        )
    return lines


def _key(column: str) -> str:
    """A source column name as an internal group name (lower case, _)."""
    key = re.sub(r"[^a-z0-9]+", "_", column.lower()).strip("_") or "group"
    return key if key[0].isalpha() else f"g_{key}"


DESCRIBE_FIELDS = (
    ("intended_use", "what the model is for, and who acts on its output"),
    ("out_of_scope_use", "uses it must not be put to"),
    ("training_data", "where these records come from, what they cover, what was removed"),
    ("limitations", "where it is known to be weaker"),
    ("ethical_considerations", "who could be affected by its errors, and how"),
    ("human_oversight", "who reviews its output, and how they can override it"),
    ("contact", "who answers for it"),
)

GOVERNANCE_FIELDS = (
    ("collection", "how and from where these records were collected"),
    ("labelling", "who assigned the labels, how, and how disagreements were resolved"),
    ("known_biases", "what is known to be over- or under-represented, and what is done about it"),
)


def _describe_block(group_names: list[str]) -> list[str]:
    """What the signed report says about this data: blank until the user writes it (the report reads MISSING)."""
    lines = [
        "# What the signed report says about this data. Blank fields read MISSING in the PDF, and an",
        "# empty model-card field fails DOC-001: write each one before a release.",
        "describe:",
        f'  title: ""  {TO_CHECK}: the report title (default: params/report/default.yaml)',
        f'  organisation: ""  {TO_CHECK}: who runs this system',
        f'  system_name: ""  {TO_CHECK}: what the model does, in a few words',
        "  model_card:",
    ]
    lines += [f'    {key}: ""  {TO_CHECK}: {hint}' for key, hint in DESCRIBE_FIELDS]
    lines.append("  data_governance:  # EU AI Act Art. 10; blank ones read MISSING and count for DOC-006")
    lines += [f'    {key}: ""  {TO_CHECK}: {hint}' for key, hint in GOVERNANCE_FIELDS]
    if group_names:
        lines.append("  groups:  # what each group column is, printed above its fairness table")
        lines += [f'    {name}: ""  {TO_CHECK}: what a {name} group is, and why it is audited' for name in group_names]
    else:
        lines.append("  groups: {}  # what each sensitive_features column is, printed above its fairness table")
    return lines

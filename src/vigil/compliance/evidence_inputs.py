"""The reports a policy can address, loaded into one namespace: ``<report>.<dotted.path>``.

Each report is checked against its contract (:mod:`vigil.contracts`) as it is read.

The namespace key is the report's file stem (``reports/metrics.json`` ->
``metrics``), so a rule's metric path says exactly which file it reads. Only
the report stage's own inputs are loaded; a file that is absent simply leaves
its namespace missing, and any rule that reads it fails (never passes).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from vigil.contracts import REPORT_NAMES, validate_report
from vigil.errors import VigilError

# Report files a rule may read, by namespace. Paths are relative to the repository root.
REPORT_FILES: dict[str, str] = {
    "data_quality": "reports/data_quality.json",
    "privacy": "reports/privacy.json",
    "split": "reports/split.json",
    "train": "reports/train.json",
    "metrics": "reports/metrics.json",
    "fairness": "reports/fairness.json",
    "explain": "reports/explain.json",
}
MISSING = object()


def load_reports(root: str | os.PathLike[str] = ".", files: Mapping[str, str] = REPORT_FILES) -> dict[str, Any]:
    """Parse every report that exists under ``root`` into ``{namespace: content}``."""
    reports: dict[str, Any] = {}
    for namespace, relative in files.items():
        path = Path(root) / relative
        if not path.exists():
            continue
        try:
            reports[namespace] = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise VigilError(f"{path}: not valid JSON: {exc}") from None
        if namespace in REPORT_NAMES:  # a renamed or mistyped key fails here, not as a dash in the signed PDF
            validate_report(namespace, reports[namespace], relative)
    return reports


def lookup(reports: Mapping[str, Any], dotted: str) -> Any:
    """Value at ``dotted`` (``fairness.summary.max_f1_macro_gap``), or :data:`MISSING`.

    Keys may themselves contain ``+`` or ``/`` (grouping and class names); list
    items are addressed by their index.
    """
    node: Any = reports
    for part in dotted.split("."):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return MISSING
    return node

"""The reports a policy can address, loaded into one namespace: ``<report>.<dotted.path>``.

Each report is checked against its contract (:mod:`vigil.contracts`) as it is read.

The namespace key is the report's file stem (``reports/metrics.json`` ->
``metrics``), so a rule's metric path says exactly which file it reads. Only
the report stage's own inputs are loaded; a file that is absent simply leaves
its namespace missing, and any rule that reads it fails (never passes).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from vigil.contracts import RULE_NAMESPACES, read_report, report_path

REPORT_FILES: dict[str, str] = {namespace: report_path(namespace) for namespace in RULE_NAMESPACES}
MISSING = object()


def load_reports(root: str | os.PathLike[str] = ".") -> dict[str, Any]:
    """Every report that exists under ``root``, checked against its contract, as ``{namespace: content}``."""
    return {
        namespace: read_report(namespace, root)
        for namespace, relative in REPORT_FILES.items()
        if (Path(root) / relative).exists()
    }


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

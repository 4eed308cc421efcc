"""The ``reports/*.json`` contracts: one JSON Schema per report, checked when written and when read.

A report is the interface between a stage and everything downstream: the policy
gate, the signed PDF, the PR comment. Checked only by convention, a renamed key
showed as "—" in a signed PDF; checked here, it stops the stage that wrote it, or
the reader, with one line naming the file, the JSON path and the rule broken.
The schemas live beside this module (``schemas/<name>.schema.json``) and also
document the metric paths policies can address (:mod:`vigil.contracts.metric_paths`).
"""

from __future__ import annotations

import json
import os
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from vigil.errors import VigilError
from vigil.io import write_json

REPORT_NAMES = (
    "data_quality",
    "privacy",
    "split",
    "train",
    "metrics",
    "confusion_matrix",
    "fairness",
    "explain",
    "robustness",
    "policy",
)
# Reports a policy rule can read: ``<name>.<dotted.path>``. The confusion matrix and the policy
# outcome itself are outputs of the evaluation, not rule targets.
RULE_NAMESPACES = tuple(name for name in REPORT_NAMES if name not in {"confusion_matrix", "policy"})


def report_path(name: str) -> str:
    """``metrics`` -> ``reports/metrics.json`` (relative to the repository root)."""
    return f"reports/{name}.json"


@cache
def report_schema(name: str) -> dict[str, Any]:
    if name not in REPORT_NAMES:
        raise VigilError(f"no report contract named {name!r}; known: {list(REPORT_NAMES)}")
    text = resources.files("vigil.contracts").joinpath("schemas", f"{name}.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(report_schema(name))


def validate_report(name: str, data: Any, source: str | os.PathLike[str]) -> None:
    """Raise one line naming ``source``, the JSON path and the broken rule of the first violation."""
    errors = sorted(_validator(name).iter_errors(data), key=lambda error: list(error.absolute_path))
    if errors:
        first = errors[0]
        where = ".".join(str(part) for part in first.absolute_path) or "(top level)"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise VigilError(
            f"{source}: {where}: {first.message} (contract: src/vigil/contracts/schemas/{name}.schema.json){more}"
        )


def write_report(name: str, data: dict[str, Any], root: str | os.PathLike[str] = ".") -> None:
    """Validate ``data`` against the report's contract, then write it atomically; nothing is written if invalid."""
    target = Path(root) / report_path(name)
    validate_report(name, data, report_path(name))
    write_json(target, data)


def read_report(name: str, root: str | os.PathLike[str] = ".") -> dict[str, Any]:
    """Read a report and check it against its contract (a stale or hand-edited file fails here, not in a PDF)."""
    path = Path(root) / report_path(name)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise VigilError(f"{path}: not found (run: dvc repro)") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise VigilError(f"{path}: not valid JSON: {exc}") from None
    validate_report(name, data, report_path(name))
    result: dict[str, Any] = data
    return result

"""``vigil exp show``: experiments side by side in 80 columns.

``dvc exp show --only-changed`` prints one column per changed parameter and
metric (46 on the default pipeline), so at 80 columns a reviewer sees one
metric. This view keeps what decides a proposal: the experiment, the parameters
it changed against its baseline in one short cell, and the headline metrics.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from vigil.params import flatten

METRICS_FILE = "reports/metrics.json"
PARAMS_FILE = "params.yaml"
# (column title, path inside metrics.json); the metrics a reviewer decides on.
COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("acc", ("accuracy",)),
    ("F1 mac", ("f1_macro",)),
    ("F1 crit", ("critical", "f1_min")),
    ("ECE", ("ece",)),
)


UNFINISHED = ("failed", "queued", "running")


@dataclass(frozen=True)
class Row:
    name: str
    changed: str
    metrics: tuple[float | None, ...]


def _section(data: Mapping[str, Any], kind: str, file: str) -> Mapping[str, Any]:
    return ((data.get(kind) or {}).get(file) or {}).get("data") or {}


def _metric(metrics: Mapping[str, Any], path: tuple[str, ...]) -> float | None:
    node: Any = metrics
    for part in path:
        node = node.get(part) if isinstance(node, Mapping) else None
    return float(node) if isinstance(node, int | float) and not isinstance(node, bool) else None


def _short_key(key: str) -> str:
    """``model.params.C`` -> ``C``; ``train.mitigation.method`` -> ``mitigation.method``."""
    parts = key.split(".")
    return ".".join(parts[-2:]) if len(parts) > 2 and parts[-2] != "params" else parts[-1]


def changed_params(baseline: Mapping[str, Any], experiment: Mapping[str, Any]) -> str:
    """The experiment's parameters that differ from its baseline, as ``key=value`` pairs."""
    before, after = flatten(baseline), flatten(experiment)
    changed = [k for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)]
    groups = {k.split(".")[0] for k in changed if k.endswith((".family", ".name"))}
    pairs = [
        f"{k.split('.')[0]}={after.get(k)}" if k.endswith((".family", ".name")) else f"{_short_key(k)}={after.get(k)}"
        for k in changed
        if k.endswith((".family", ".name")) or k.split(".")[0] not in groups
    ]
    return ", ".join(pairs) or "-"


def rows_from_exp_show(payload: Iterable[Mapping[str, Any]]) -> list[Row]:
    """Rows of ``dvc exp show --json``: each baseline, then its experiments."""
    rows = []
    for baseline in payload:
        data = baseline.get("data") or {}
        base_params = _section(data, "params", PARAMS_FILE)
        label = baseline.get("name") or _short_rev(str(baseline.get("rev", "")))
        rows.append(Row(label, "(baseline)", _metrics(_section(data, "metrics", METRICS_FILE))))
        for branch in baseline.get("experiments") or []:
            state = ((branch.get("executor") or {}).get("state") or "").lower()
            for experiment in branch.get("revs") or []:
                exp_data = experiment.get("data") or {}
                changed = changed_params(base_params, _section(exp_data, "params", PARAMS_FILE))
                # A failed, queued or running experiment has no results of its own: DVC shows its baseline's.
                unfinished = state if state in UNFINISHED else ("failed" if experiment.get("error") else "")
                rows.append(
                    Row(
                        experiment.get("name") or _short_rev(str(experiment.get("rev", ""))),
                        f"[{unfinished}] {changed}" if unfinished else changed,
                        (None,) * len(COLUMNS) if unfinished else _metrics(_section(exp_data, "metrics", METRICS_FILE)),
                    )
                )
    return rows


def _short_rev(rev: str) -> str:
    """A commit as 7 hex digits; ``workspace`` stays a word."""
    return rev[:7] if all(c in "0123456789abcdef" for c in rev) else rev


def _metrics(metrics: Mapping[str, Any]) -> tuple[float | None, ...]:
    return tuple(_metric(metrics, path) for _, path in COLUMNS)


def render(rows: list[Row], width: int = 80) -> str:
    """A fixed-width table no wider than ``width``; long cells end in an ellipsis."""
    metric_width = 8
    name_width = min(max([len("experiment"), *(len(r.name) for r in rows)]), 18)
    params_width = max(width - name_width - len(COLUMNS) * metric_width - 2, 10)

    def cut(text: str, size: int) -> str:
        return text if len(text) <= size else text[: size - 1] + "…"

    header = f"{'experiment':<{name_width}}  {'changed':<{params_width}}" + "".join(
        f"{title:>{metric_width}}" for title, _ in COLUMNS
    )
    lines = [header, "-" * len(header)]
    for row in rows:
        values = "".join(f"{'-' if v is None else f'{v:.4f}':>{metric_width}}" for v in row.metrics)
        name, changed = cut(row.name, name_width), cut(row.changed, params_width)
        lines.append(f"{name:<{name_width}}  {changed:<{params_width}}{values}")
    return "\n".join(lines) + "\n"

"""What a pull request changes against its base branch: parameters, metrics, and whether it is real.

CI computes the pull request's outputs (``dvc repro --force``); the base's come
from git (``params.yaml``, ``metrics.json``) and, for the paired test, the base's
``predictions.parquet`` from DVC, accepted only when its bytes have the MD5 the
base's ``dvc.lock`` records. The section is written to the top of the PR comment,
where the reviewer decides, rather than to the job summary nobody opens.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from vigil.compliance.git_objects import git_readers, run_git
from vigil.compliance.lock_hashes import bytes_md5, locked_outputs
from vigil.errors import VigilError
from vigil.evaluation.paired import BETTER, NOISE, SAME, WORSE, MetricChange, paired_changes
from vigil.io import dumps_json
from vigil.params import flatten
from vigil.yaml_text import load_yaml

PREDICTIONS = "reports/predictions.parquet"
METRICS = "reports/metrics.json"
PARAMS = "params.yaml"
# Metrics of the diff table: (dotted key in metrics.json, name).
DIFF_METRICS = (
    ("accuracy", "Accuracy"),
    ("f1_macro", "Macro-F1"),
    ("critical.f1_min", "Lowest critical-class F1"),
    ("f1_weighted", "Weighted F1"),
    ("mcc", "Matthews correlation"),
    ("ece", "Expected calibration error"),
    ("log_loss", "Log-loss"),
)
MARK = {BETTER: "🟢 better", WORSE: "🔴 worse", NOISE: "⚪ within noise", SAME: "⚪ no change"}


@dataclass
class BaseComparison:
    """Base vs pull request; ``paired`` is empty (with ``note`` saying why) when no pairing was possible."""

    base_rev: str
    base_commit: str
    head_commit: str
    params: list[tuple[str, Any, Any]] = field(default_factory=list)
    metrics: list[tuple[str, str, Any, Any]] = field(default_factory=list)
    paired: list[MetricChange] = field(default_factory=list)
    n_paired: int = 0
    n_base: int = 0
    n_head: int = 0
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "base_rev": self.base_rev,
            "base_commit": self.base_commit,
            "head_commit": self.head_commit,
            "params": [{"key": k, "base": b, "head": h} for k, b, h in self.params],
            "metrics": [{"key": k, "name": n, "base": b, "head": h} for k, n, b, h in self.metrics],
            "paired": [c.as_dict() for c in self.paired],
            "n_paired": self.n_paired,
            "n_base": self.n_base,
            "n_head": self.n_head,
            "note": self.note,
        }

    def to_json(self) -> str:
        return dumps_json(self.as_dict())


def locked_predictions(root: Path, commit: str, lock_text: str | None) -> tuple[pd.DataFrame | None, str]:
    """A revision's predictions from DVC, only when their bytes are its lock's; else (None, why)."""
    locked = locked_outputs(lock_text or "").get(PREDICTIONS)
    if locked is None:
        return None, f"the revision's dvc.lock records no {PREDICTIONS}"
    from dvc.api import DVCFileSystem

    try:
        data = DVCFileSystem(str(root), rev=commit).read_bytes(PREDICTIONS)
    except Exception as exc:  # noqa: BLE001 - any fetch failure means: no paired test, said plainly
        return None, f"the revision's {PREDICTIONS} is not in the DVC cache or remote ({type(exc).__name__})"
    if bytes_md5(data) != locked.md5:
        return None, f"the revision's {PREDICTIONS} from the remote does not have the MD5 its dvc.lock records"
    return pd.read_parquet(io.BytesIO(data)), ""


def _pairs(base: pd.DataFrame, head: pd.DataFrame) -> pd.DataFrame:
    """Notes both runs scored with the same true label (a changed split or data pairs fewer)."""
    columns = ["record_id", "y_true", "y_pred"]
    merged = base[columns].merge(head[columns], on="record_id", suffixes=("_base", "_head"))
    return merged[merged["y_true_base"] == merged["y_true_head"]]


def compare_with_base(
    root: Path, base_rev: str, head_commit: str | None = None, resamples: int = 2000
) -> BaseComparison:
    """Compare the workspace's computed outputs with ``base_rev``'s committed ones."""
    resolved = run_git(root, "rev-parse", "--verify", f"{base_rev}^{{commit}}")
    if resolved.returncode != 0:
        raise VigilError(f"{base_rev}: not a commit here (fetch the base branch: git fetch origin {base_rev})")
    base_commit = resolved.stdout.decode().strip()
    head = head_commit or run_git(root, "rev-parse", "HEAD").stdout.decode().strip()
    read_file, _ = git_readers(root, base_commit)
    base_params = flatten(load_yaml(read_file(PARAMS) or b"{}") or {})
    head_document = load_yaml((root / PARAMS).read_text("utf-8")) or {}
    head_params = flatten(head_document)
    result = BaseComparison(base_rev=base_rev, base_commit=base_commit, head_commit=head)
    result.params = [
        (key, base_params.get(key), head_params.get(key))
        for key in sorted(set(base_params) | set(head_params))
        if base_params.get(key) != head_params.get(key)
    ]
    base_metrics = flatten(json.loads(read_file(METRICS) or b"{}"))
    head_path = root / METRICS
    head_metrics = flatten(json.loads(head_path.read_text("utf-8"))) if head_path.is_file() else {}
    result.metrics = [
        (key, name, base_metrics.get(key), head_metrics.get(key))
        for key, name in DIFF_METRICS
        if key in base_metrics or key in head_metrics
    ]
    base_frame, why = locked_predictions(root, base_commit, (read_file("dvc.lock") or b"").decode("utf-8"))
    head_file = root / PREDICTIONS
    if base_frame is None or not head_file.is_file():
        result.note = why or f"{PREDICTIONS} was not computed here"
        return result
    head_frame = pd.read_parquet(head_file)
    pairs = _pairs(base_frame, head_frame)
    result.n_base, result.n_head, result.n_paired = len(base_frame), len(head_frame), len(pairs)
    critical = (head_document.get("data") or {}).get("critical_classes") or []
    result.paired = paired_changes(
        pairs["y_true_base"].tolist(),
        pairs["y_pred_base"].tolist(),
        pairs["y_pred_head"].tolist(),
        critical_classes=critical,
        resamples=resamples,
    )
    if result.n_paired < min(result.n_base, result.n_head):
        result.note = (
            f"the test sets differ (base {result.n_base:,} notes, pull request {result.n_head:,}); "
            f"the paired test uses the {result.n_paired:,} notes both scored with the same label"
        )
    return result


def _value(value: Any) -> str:
    """A metric with four decimals; a parameter as written in params.yaml (C 10.0, not 10.0000)."""
    if value is None:
        return "—"
    text = str(value).replace("|", "\\|").replace("\n", " ")
    return f"`{text}`" if len(text) <= 60 else f"`{text[:57]}…`"


def _p(value: float) -> str:
    """A p-value as a reader takes it: "= 0.031", or "< 0.001" rather than a rounded "= 0"."""
    return "< 0.001" if value < 0.001 else f"= {value:.3g}"


def _metric(value: Any) -> str:
    return f"{value:.4f}" if isinstance(value, int | float) and not isinstance(value, bool) else _value(value)


def _signed(value: float) -> str:
    return f"{value:+.4f}"


def base_comparison_markdown(result: BaseComparison, max_params: int = 40) -> str:
    """The PR comment's "against the base" section: significance first, then the metric and parameter diffs."""
    base = f"`{result.base_rev}` (`{result.base_commit[:7]}`)"
    lines = [f"### Against {base}", ""]
    if result.paired:
        lines += [
            f"Paired comparison on the same {result.n_paired:,} test notes. Reading: a paired randomization test "
            '(the two models\' predictions swapped note by note), "better" or "worse" only when p < 0.05 after '
            "Holm's adjustment for reading the metrics together; interval: 95% paired bootstrap of the change.",
            "",
            "| Metric | Base | This PR | Change | 95% interval | Reading |",
            "|---|---|---|---|---|---|",
        ]
        names = {key: name for key, name in DIFF_METRICS}
        for change in result.paired:
            reading = f"{MARK[change.verdict]} (p {_p(change.p_value)}, Holm {_p(change.p_adjusted)}"
            reading += f"; McNemar p {_p(change.mcnemar_p)})" if change.mcnemar_p is not None else ")"
            lines.append(
                f"| {names.get(change.metric, change.metric)} | {change.base:.4f} | {change.head:.4f} | "
                f"{_signed(change.change)} | [{_signed(change.ci_low)}, {_signed(change.ci_high)}] | {reading} |"
            )
        lines.append("")
    if result.note:
        lines += [f"> {'No paired test: ' if not result.paired else ''}{result.note}.", ""]
    if result.metrics:
        lines += ["| Metric (whole test split) | Base | This PR | Change |", "|---|---|---|---|"]
        for _key, name, before, after in result.metrics:
            both = isinstance(before, int | float) and isinstance(after, int | float)
            delta = _signed(after - before) if both else "—"
            lines.append(f"| {name} | {_metric(before)} | {_metric(after)} | {delta} |")
        lines.append("")
    if result.params:
        lines += [f"Parameters changed ({len(result.params)}):", "", "| Parameter | Base | This PR |", "|---|---|---|"]
        lines += [f"| `{k}` | {_value(b)} | {_value(h)} |" for k, b, h in result.params[:max_params]]
        if len(result.params) > max_params:
            lines.append(f"| … {len(result.params) - max_params} more | | |")
    else:
        lines.append("No parameter changed.")
    lines.append("")
    return "\n".join(lines)

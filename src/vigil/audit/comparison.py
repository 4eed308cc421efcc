"""Before/after view of a mitigation: the same audit on the unmitigated and the mitigated model.

Only the numbers a reviewer weighs against each other: overall quality (the
price) and each grouping's gaps (the benefit), with the gap intervals so a
"reduction" inside the noise is visible as such.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vigil.audit.disparity import rounded
from vigil.audit.fairness import GROUP_METRICS, RESERVED_KEYS

_GAP_FIELDS = ("max_gap", "max_gap_ci_low", "max_gap_ci_high", "significant", "worst_group")


def _gaps(report: Mapping[str, Any]) -> dict[str, Any]:
    return {
        key: {metric: {f: block[metric].get(f) for f in _GAP_FIELDS} for metric in GROUP_METRICS}
        for key, block in report.items()
        if key not in RESERVED_KEYS
    }


def compare_audits(before: Mapping[str, Any], after: Mapping[str, Any], method: Mapping[str, Any]) -> dict[str, Any]:
    """``before`` is the unmitigated model's fairness report, ``after`` the shipped (mitigated) one's."""
    change: dict[str, Any] = {
        f"overall_{m}": rounded(after["overall"][m] - before["overall"][m]) for m in ("accuracy", "f1_macro")
    }
    for key, metrics in _gaps(after).items():
        for metric, gap in metrics.items():
            old = before[key][metric]["max_gap"]
            if gap["max_gap"] is not None and old is not None:
                change.setdefault(key, {})[f"{metric}_max_gap"] = rounded(gap["max_gap"] - old)
    return {
        **method,
        "before": {"overall": dict(before["overall"]), "gaps": _gaps(before)},
        "after": {"overall": dict(after["overall"]), "gaps": _gaps(after)},
        "change": change,
    }

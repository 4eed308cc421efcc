"""What changed since the previous release: the report's version and change-log section.

Parameters and data are compared by value and digest; the headline metrics by a
paired comparison on the test notes both releases scored with the same label
(:mod:`vigil.evaluation.paired`), so a reviewer reads "within noise" or "worse"
instead of two numbers. Pure: the caller supplies both sides.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from vigil.compliance.base_comparison import DIFF_METRICS
from vigil.compliance.release_baseline import lock_digests, pairing_key
from vigil.evaluation.paired import paired_changes

MAX_PARAMS_SHOWN = 40


def _absent_prefix(key: str, other: Mapping[str, Any]) -> str:
    """The shortest prefix of ``key`` under which ``other`` has no key (the section that was added or removed)."""
    parts = key.split(".")
    for i in range(1, len(parts) + 1):
        prefix = ".".join(parts[:i])
        if not any(k == prefix or k.startswith(prefix + ".") for k in other):
            return prefix
    return key


def collapse_sections(before: Mapping[str, Any], now: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
    """Changed parameters; a whole section added or removed is one row ("audit.robustness.*: added, 47 keys")."""
    rows: list[tuple[str, Any, Any]] = []
    sections: dict[tuple[str, str], int] = {}
    for key in sorted(set(before) | set(now)):
        old, new = before.get(key), now.get(key)
        if old == new:
            continue
        if key in before and key in now:
            rows.append((key, old, new))
            continue
        added = key not in before
        prefix = _absent_prefix(key, before if added else now)
        sections[(prefix, "added" if added else "removed")] = (
            sections.get((prefix, "added" if added else "removed"), 0) + 1
        )
        if prefix == key:
            rows.append((key, old, new))
    for (prefix, how), count in sections.items():
        if count > 1:
            rows.append(
                (
                    f"{prefix}.*",
                    f"{how}: {count} keys" if how == "removed" else None,
                    f"{how}: {count} keys" if how == "added" else None,
                )
            )
    return sorted(rows, key=lambda row: row[0])


def release_changes(
    previous: Mapping[str, Any] | None,
    *,
    params: Mapping[str, Any],
    metrics: Mapping[str, Any],
    predictions: pd.DataFrame | None,
    lock_text: str,
    critical_classes: Sequence[str],
    verdict: str | None,
    resamples: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """Previous release vs this run, for the PDF (``recorded`` False when no release is recorded)."""
    digests = lock_digests(lock_text)
    if previous is None:
        return {"recorded": False, "digests": digests}
    before, now = previous.get("params") or {}, params
    changed = collapse_sections(before, now)
    old_digests = previous.get("digests") or {}
    result: dict[str, Any] = {
        "recorded": True,
        "release": previous["release"],
        "params_changed": changed[:MAX_PARAMS_SHOWN],
        "params_changed_total": len(changed),
        "digests": [(name, old_digests.get(name), digests.get(name)) for name in digests],
        "verdict": (previous.get("verdict"), verdict),
        "metrics": [
            (name, (previous.get("metrics") or {}).get(key), metrics.get(key))
            for key, name in DIFF_METRICS
            if key in metrics or key in (previous.get("metrics") or {})
        ],
        "paired": [],
        "n_paired": 0,
    }
    rows = (previous.get("predictions") or {}).get("rows") or []
    if predictions is None or not rows:
        return result
    earlier = pd.DataFrame(rows, columns=["key", "y_true", "y_pred"])
    current = pd.DataFrame(
        {
            "key": [pairing_key(i) for i in predictions["record_id"]],
            "y_true": predictions["y_true"].astype(str),
            "y_pred": predictions["y_pred"].astype(str),
        }
    )
    pairs = earlier.merge(current, on="key", suffixes=("_before", "_now"))
    pairs = pairs[pairs["y_true_before"] == pairs["y_true_now"]]
    result["n_paired"] = len(pairs)
    if len(pairs):
        result["paired"] = paired_changes(
            pairs["y_true_now"].tolist(),
            pairs["y_pred_before"].tolist(),
            pairs["y_pred_now"].tolist(),
            critical_classes=list(critical_classes),
            resamples=resamples,
            seed=seed,
        )
    return result

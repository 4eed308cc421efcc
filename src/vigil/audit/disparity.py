"""Disparity between groups: the gap and ratio between the best and worst group, with intervals.

The gap is the observed best-minus-worst difference. Its interval is that same
pair's difference (Newcombe's score interval for proportions, the bootstrap
distribution for macro-F1), at a confidence level
Bonferroni-adjusted for the number of group pairs that could have been the
extreme pair: picking the extreme pair out of many is itself a source of
apparent gaps, and without the adjustment four equal groups would show a
"significant" gap far more often than the nominal 5 %. A gap is *significant*
when its interval excludes zero. Per-class gaps are adjusted once more for the
number of classes. Groups below the minimum support take no part (they are
listed as insufficient data by the caller).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from vigil.audit.bootstrap import percentile_interval
from vigil.audit.intervals import newcombe_difference


def rounded(value: Any) -> float | None:
    """JSON-safe number: NaN/None -> None, otherwise rounded to 6 places (stable diffs)."""
    if value is None:
        return None
    value = float(value)
    return None if np.isnan(value) else round(value, 6)


def disparity(
    point: np.ndarray,
    samples: np.ndarray,
    eligible: np.ndarray,
    names: list[str],
    confidence: float,
    *,
    family_size: int = 1,
    proportion: tuple[np.ndarray, np.ndarray] | None = None,
) -> dict[str, Any]:
    """Gap and ratio between the best and worst eligible group.

    ``point`` is ``(G,)``, ``samples`` is ``(B, G)`` bootstrap values, ``eligible``
    marks groups with enough support and a defined point value. ``family_size``
    widens the interval further when the same question is asked of several
    metrics at once (one per class: "does any class's recall differ?").
    ``proportion`` (successes, trials per group) switches the gap interval from
    the bootstrap to Newcombe's score interval (see :mod:`vigil.audit.intervals`).
    """
    usable = eligible & ~np.isnan(point)
    compared = int(usable.sum())
    if compared < 2:
        return {
            "status": "single_group" if compared == 1 else "insufficient_data",
            "groups_compared": compared,
            "max_gap": None,
            "min_ratio": None,
            "significant": False,
        }
    candidates = np.flatnonzero(usable)
    best = int(candidates[np.argmax(point[candidates])])
    worst = int(candidates[np.argmin(point[candidates])])
    pairs = compared * (compared - 1) // 2
    level = 1.0 - (1.0 - confidence) / (pairs * family_size)
    gap_low: float | np.ndarray
    gap_high: float | np.ndarray
    if proportion is None:
        gap_low, gap_high = percentile_interval(samples[:, best] - samples[:, worst], level)
    else:
        successes, trials = proportion
        gap_low, gap_high = newcombe_difference(successes[best], trials[best], successes[worst], trials[worst], level)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio_samples = np.where(samples[:, best] > 0, samples[:, worst] / samples[:, best], np.nan)
    ratio_low, ratio_high = percentile_interval(ratio_samples, level)
    ratio = point[worst] / point[best] if point[best] > 0 else np.nan
    return {
        "status": "ok",
        "groups_compared": compared,
        "best_group": names[best],
        "worst_group": names[worst],
        "best": rounded(point[best]),
        "worst": rounded(point[worst]),
        "max_gap": rounded(point[best] - point[worst]),
        "max_gap_ci_low": rounded(gap_low),
        "max_gap_ci_high": rounded(gap_high),
        "min_ratio": rounded(ratio),
        "min_ratio_ci_low": rounded(ratio_low),
        "min_ratio_ci_high": rounded(ratio_high),
        "ci_level": rounded(level),
        "significant": bool(not np.isnan(gap_low) and gap_low > 0),
    }

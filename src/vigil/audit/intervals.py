"""Score intervals for proportions and their differences (Wilson, Newcombe).

Accuracy, recall, precision and selection rate are proportions. A percentile
bootstrap of a proportion collapses to a single point when a small group is
all-correct (or never selected): a 31-record group at 100 % gets the interval
[1, 1] and any other group then looks significantly worse. Measured here on
shuffled (fair by construction) groups, that produced 3-6 "significant" gaps
per audit. Wilson's score interval and Newcombe's hybrid score interval for a
difference (Newcombe 1998, method 10) stay honest at 0 and 1; the bootstrap is
kept for macro-F1, which is not a proportion.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm


def _z(level: float) -> float:
    return float(norm.ppf(1.0 - (1.0 - level) / 2.0))


def wilson(successes: np.ndarray | float, trials: np.ndarray | float, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for ``successes / trials`` (NaN where ``trials`` is 0)."""
    x, n = np.asarray(successes, dtype=float), np.asarray(trials, dtype=float)
    z2 = _z(level) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / n
        denominator = 1.0 + z2 / n
        centre = (p + z2 / (2 * n)) / denominator
        half = np.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) * np.sqrt(z2) / denominator
    low = np.where(n > 0, np.clip(centre - half, 0.0, 1.0), np.nan)
    high = np.where(n > 0, np.clip(centre + half, 0.0, 1.0), np.nan)
    return low, high


def newcombe_difference(x1: float, n1: float, x2: float, n2: float, level: float) -> tuple[float, float]:
    """Interval for ``x1/n1 - x2/n2`` from the two Wilson intervals (hybrid score method)."""
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = (float(v) for v in wilson(x1, n1, level))
    l2, u2 = (float(v) for v in wilson(x2, n2, level))
    difference = p1 - p2
    low = difference - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = difference + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return float(low), float(high)

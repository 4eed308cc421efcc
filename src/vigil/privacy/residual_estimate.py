"""From "records the scan flagged" to "records that still hold personal data", with an interval.

A flag count alone says little: the scan misses some residuals (its recall, or
sensitivity, is below 1) and flags some clean records (its false-alarm rate is
above 0). Both were measured when its threshold was calibrated (stage
``residual_model``): sensitivity on names the scrubber left in the corpora's dev
splits, false alarms on scrubbed technical notes. The Rogan-Gladen estimator
corrects the flagged share ``q`` for both::

    rate = (q - false_alarm_rate) / (sensitivity - false_alarm_rate)

and a conservative interval combines the three exact (Clopper-Pearson)
intervals: the upper bound takes the highest flagged share, the lowest false-alarm
rate and the lowest sensitivity. The policy gate reads that upper bound: a scan
that sees few residuals cannot certify a low rate, and the bound says so.
"""

from __future__ import annotations

from dataclasses import dataclass


def clopper_pearson(successes: int, trials: int, level: float) -> tuple[float, float]:
    """Exact binomial interval of ``successes / trials`` at confidence ``level``."""
    from scipy.stats import beta

    if trials <= 0:
        return 0.0, 1.0
    alpha = 1.0 - level
    lower = 0.0 if successes == 0 else float(beta.ppf(alpha / 2, successes, trials - successes + 1))
    upper = 1.0 if successes == trials else float(beta.ppf(1 - alpha / 2, successes + 1, trials - successes))
    return lower, upper


@dataclass(frozen=True)
class Calibration:
    """What the scan's threshold was calibrated on: leaked names found, and clean technical notes flagged."""

    leaks_found: int
    leaks: int
    false_alarms: int
    clean_notes: int


@dataclass(frozen=True)
class ResidualEstimate:
    rate: float
    lower: float
    upper: float
    level: float

    def as_dict(self) -> dict[str, float]:
        return {
            "rate": round(self.rate, 6),
            "lower": round(self.lower, 6),
            "upper": round(self.upper, 6),
            "level": self.level,
        }


def _corrected(flagged: float, false_alarm: float, sensitivity: float) -> float:
    if sensitivity <= false_alarm:
        return 1.0  # a scan no better than chance bounds nothing
    return min(1.0, max(0.0, (flagged - false_alarm) / (sensitivity - false_alarm)))


def estimate_residual_rate(
    flagged: int, scanned: int, calibration: Calibration, level: float = 0.95
) -> ResidualEstimate:
    """The share of scanned records that still hold a residual name, corrected for the scan's errors."""
    q = flagged / scanned if scanned else 0.0
    sensitivity = calibration.leaks_found / calibration.leaks if calibration.leaks else 0.0
    false_alarm = calibration.false_alarms / calibration.clean_notes if calibration.clean_notes else 1.0
    q_low, q_high = clopper_pearson(flagged, scanned, level)
    s_low, s_high = clopper_pearson(calibration.leaks_found, calibration.leaks, level)
    f_low, f_high = clopper_pearson(calibration.false_alarms, calibration.clean_notes, level)
    return ResidualEstimate(
        rate=_corrected(q, false_alarm, sensitivity),
        lower=_corrected(q_low, f_high, s_high),
        upper=_corrected(q_high, f_low, s_low),
        level=level,
    )

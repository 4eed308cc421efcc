"""The residual rate estimate: a flag count corrected for the scan's sensitivity and false alarms."""

from __future__ import annotations

import pytest

from vigil.privacy.residual_estimate import Calibration, clopper_pearson, estimate_residual_rate


def test_clopper_pearson_matches_the_textbook_values():
    low, high = clopper_pearson(0, 100, 0.95)
    assert low == 0.0 and high == pytest.approx(0.0362, abs=1e-4)  # 1 - 0.025 ** (1 / 100)
    low, high = clopper_pearson(5, 10, 0.95)
    assert low == pytest.approx(0.1871, abs=1e-4) and high == pytest.approx(0.8129, abs=1e-4)


def test_a_perfect_scan_reads_the_flag_share_as_the_rate():
    perfect = Calibration(leaks_found=10_000, leaks=10_000, false_alarms=0, clean_notes=10_000)
    estimate = estimate_residual_rate(flagged=30, scanned=10_000, calibration=perfect)
    assert estimate.rate == pytest.approx(0.003)
    assert estimate.lower < 0.003 < estimate.upper < 0.0045


def test_a_scan_that_sees_one_leak_in_ten_multiplies_the_bound():
    """Sensitivity 0.1, no false alarms: 10 flags in 10,000 mean about 100 records with a leak."""
    calibration = Calibration(leaks_found=100, leaks=1000, false_alarms=0, clean_notes=5000)
    estimate = estimate_residual_rate(flagged=10, scanned=10_000, calibration=calibration)
    assert estimate.rate == pytest.approx(0.01)
    assert estimate.upper > 0.015  # the flag count's and the sensitivity's uncertainty both widen it


def test_false_alarms_are_subtracted_and_the_rate_never_goes_negative():
    calibration = Calibration(leaks_found=50, leaks=100, false_alarms=10, clean_notes=1000)
    estimate = estimate_residual_rate(flagged=5, scanned=1000, calibration=calibration)
    assert estimate.rate == 0.0 and estimate.lower == 0.0 and estimate.upper > 0.0


def test_nothing_flagged_still_bounds_the_rate_by_what_the_scan_could_have_missed():
    calibration = Calibration(leaks_found=13, leaks=153, false_alarms=1, clean_notes=3000)
    estimate = estimate_residual_rate(flagged=0, scanned=12_000, calibration=calibration)
    assert estimate.rate == 0.0
    assert 0.004 < estimate.upper < 0.01  # 3/12,000 flags at most, a sensitivity of at least ~0.05


def test_a_scan_that_never_finds_a_leak_bounds_nothing():
    blind = Calibration(leaks_found=0, leaks=100, false_alarms=0, clean_notes=1000)
    assert estimate_residual_rate(flagged=0, scanned=10_000, calibration=blind).upper == 1.0

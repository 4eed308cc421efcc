"""DVC plot data of the robustness audit: one row per perturbation, the accuracy drop and its interval."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd


def drop_rows(report: Mapping[str, Any]) -> pd.DataFrame:
    """One row per perturbation for the ``bar_ci`` plot: accuracy drop (clean minus perturbed), its interval."""
    rows = [
        {
            "perturbation": name,
            "drop": entry["metrics"]["accuracy"]["drop"],
            "ci_low": entry["metrics"]["accuracy"]["drop_ci_low"],
            "ci_high": entry["metrics"]["accuracy"]["drop_ci_high"],
            "flip_rate": entry["flip_rate"],
            "support": report.get("n_test"),
        }
        for name, entry in (report.get("perturbations") or {}).items()
    ]
    return pd.DataFrame(rows, columns=["perturbation", "drop", "ci_low", "ci_high", "flip_rate", "support"])

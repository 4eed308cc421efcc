"""DVC stage `robustness`: saved model + test split -> reports/robustness.json and its DVC plot data.

The model is loaded as serving loads it (like `evaluate`), so the audit measures
the artifact that ships; the perturbations are in :mod:`vigil.robustness`.
"""

from __future__ import annotations

import pandas as pd

from vigil.contracts import write_report
from vigil.data.schema import LABEL, TEXT
from vigil.io import atomic_path
from vigil.log import get_logger
from vigil.modeling import load_model
from vigil.params import load_params, require
from vigil.robustness import RobustnessSettings, build_perturbations, not_run, robustness_audit
from vigil.robustness.plots import drop_rows
from vigil.stage import run_stage

TEST = "data/processed/test.parquet"
MODEL_DIR = "models/model"
PLOT = "reports/plots/robustness.csv"


def main() -> None:
    params = load_params()
    settings = RobustnessSettings.from_params(
        require(params, "audit.robustness"), int(require(params, "seed")), params["data"].get("vocabulary")
    )
    test = pd.read_parquet(TEST)
    predictor = load_model(MODEL_DIR)
    report = robustness_audit(
        predictor.predict,
        test[TEXT].tolist(),
        test[LABEL].astype(str).tolist(),
        build_perturbations(settings),
        critical_classes=list(params["data"].get("critical_classes") or []),
        resamples=settings.resamples,
        confidence=settings.confidence,
        seed=settings.seed,
        skipped=not_run(settings),
    )
    write_report("robustness", report)
    with atomic_path(PLOT) as staged:
        drop_rows(report).to_csv(staged, index=False)
    summary = report["summary"]
    get_logger("stage.robustness").info(
        "robustness audited",
        extra={
            k: summary[k] for k in ("worst_perturbation", "max_accuracy_drop", "max_flip_rate", "significant_drops")
        },
    )


if __name__ == "__main__":
    run_stage("robustness", main)

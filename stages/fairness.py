"""DVC stage `fairness`: predictions + group columns -> reports/fairness.json and per-group plots.

Also the error analysis (confused classes, worst group x class cohorts) and,
when ``train.mitigation`` is on, a before/after comparison: the unmitigated
model is refitted here with the same family, seed and post-processing, so the
comparison isolates the mitigation.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from vigil.audit.comparison import compare_audits
from vigil.audit.error_analysis import error_analysis
from vigil.audit.fairness import FairnessConfig, audit_fairness
from vigil.audit.mitigation import MitigationOptions
from vigil.audit.plots import fairness_plot_tables
from vigil.contracts import write_report
from vigil.data.schema import LABEL, TEXT, DataSpec
from vigil.evaluation.predictions import class_labels, predictions_table
from vigil.io import atomic_path
from vigil.log import get_logger
from vigil.modeling.training import TrainingOptions, train_predictor
from vigil.params import load_params, require
from vigil.stage import run_stage

PREDICTIONS = "reports/predictions.parquet"
TRAIN = "data/processed/train.parquet"
VAL = "data/processed/val.parquet"
TEST = "data/processed/test.parquet"
PLOTS = "reports/plots/fairness"


def _unmitigated_predictions(params: dict[str, Any], group_columns: list[str]) -> pd.DataFrame:
    """Test predictions of the same model trained without sample weights."""
    train, val, test = (pd.read_parquet(p) for p in (TRAIN, VAL, TEST))
    result = train_predictor(
        params["model"],
        TrainingOptions.from_params(require(params, "train")),
        int(params["seed"]),
        (train[TEXT].tolist(), train[LABEL].tolist()),
        (val[TEXT].tolist(), val[LABEL].tolist()),
    )
    proba = result.predictor.predict_proba(test[TEXT].tolist())
    return predictions_table(test, proba, result.predictor.classes_, result.predictor.decide(proba), group_columns)


def main() -> None:
    params = load_params()
    groups = DataSpec.from_params(params["data"]).group_columns
    settings = require(params, "audit.fairness")
    config = FairnessConfig.from_params(settings, groups, int(params["seed"]))
    predictions = pd.read_parquet(PREDICTIONS)
    labels = class_labels(predictions)
    report = audit_fairness(predictions, labels, config, source=PREDICTIONS)
    report["error_analysis"] = error_analysis(
        predictions["y_true"].astype(str),
        predictions["y_pred"].astype(str),
        labels,
        report,
        top_pairs=int(settings.get("top_confused_pairs", 10)),
        top_cohorts=int(settings.get("top_cohorts", 10)),
    )
    mitigation = MitigationOptions.from_params(params["train"].get("mitigation"), groups)
    if mitigation.enabled:
        log = get_logger("stage.fairness")
        log.info("refitting the unmitigated model for the before/after comparison")
        before = audit_fairness(_unmitigated_predictions(params, groups), labels, config, source=TEST)
        report["mitigation"] = compare_audits(before, report, mitigation.describe())
    else:
        report["mitigation"] = mitigation.describe()
    write_report("fairness", report)
    with atomic_path(PLOTS) as staged:
        staged.mkdir()
        for name, table in fairness_plot_tables(report).items():
            table.to_csv(staged / name, index=False)
    summary = report["summary"]
    get_logger("stage.fairness").info(
        "fairness audited",
        extra={
            "groupings": summary["groupings"],
            "max_gap_ci_low": summary["max_gap_ci_low"],
            "significant_gaps": summary["significant_gaps"],
            "insufficient_groups": summary["insufficient_groups"],
            "max_f1_macro_gap": summary.get("max_f1_macro_gap"),
        },
    )


if __name__ == "__main__":
    run_stage("fairness", main)

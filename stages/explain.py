"""DVC stage `explain`: model + test predictions -> reports/explain.json and per-class token plots.

Reads the model exactly as serving loads it (integrity check, calibration) and
the scrubbed test texts from the predictions table; the training split is read
only for the stability refits of linear models (with the training weights when
``train.mitigation`` reweighed them).
"""

from __future__ import annotations

import sys

import pandas as pd

from vigil.audit.explain import ExplainConfig, explain
from vigil.audit.mitigation import MitigationOptions, training_weights
from vigil.audit.plots import explain_plot_tables
from vigil.contracts import write_report
from vigil.data.schema import LABEL, TEXT, DataSpec
from vigil.io import atomic_path
from vigil.log import get_logger
from vigil.modeling import load_model
from vigil.params import load_params, require
from vigil.stage import run_stage

MODEL_DIR = "models/model"
PREDICTIONS = "reports/predictions.parquet"
TRAIN = "data/processed/train.parquet"
PLOTS = "reports/plots/explain"


def main() -> None:
    params = load_params()
    config = ExplainConfig.from_params(require(params, "audit.explain"), int(params["seed"]))
    mitigation = MitigationOptions.from_params(
        params["train"].get("mitigation"), DataSpec.from_params(params["data"]).group_columns
    )
    train = pd.read_parquet(TRAIN)
    weights = training_weights(mitigation, train, LABEL)
    report = explain(
        load_model(MODEL_DIR),
        pd.read_parquet(PREDICTIONS),
        (train[TEXT].tolist(), train[LABEL].tolist(), weights),
        config,
        progress=sys.stderr.isatty(),
    )
    write_report("explain", report)
    with atomic_path(PLOTS) as staged:
        staged.mkdir()
        for name, table in explain_plot_tables(report).items():
            table.to_csv(staged / name, index=False)
    get_logger("stage.explain").info(
        "explained",
        extra={
            "family": report["family"],
            "n_local": report["n_local"],
            "stability_mean_overlap": report["stability"]["mean_overlap"],
            "local_residual_max": report["local_residual_max"],
        },
    )


if __name__ == "__main__":
    run_stage("explain", main)

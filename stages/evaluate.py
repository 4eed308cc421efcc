"""DVC stage `evaluate`: saved model + test split -> metrics, DVC plot data and the predictions table.

The model is loaded from its directory exactly as serving loads it (integrity
check, calibration, decision rule, ONNX graph for transformers), so the test
metrics describe the artifact that ships.
"""

from __future__ import annotations

import pandas as pd

from vigil.contracts import write_report
from vigil.data.schema import CREATED_AT, LABEL, RECORD_ID, TEXT
from vigil.evaluation.calibration import reliability_table
from vigil.evaluation.headline_intervals import headline_intervals
from vigil.evaluation.metrics import classification_metrics
from vigil.evaluation.plots import confusion_counts, confusion_rows, precision_recall_points, safe_filename
from vigil.evaluation.predictions import predictions_table
from vigil.io import atomic_path, write_parquet
from vigil.log import get_logger
from vigil.modeling import load_model
from vigil.params import load_params, require
from vigil.stage import run_stage

TEST = "data/processed/test.parquet"
MODEL_DIR = "models/model"
CONFUSION_ROWS = "reports/plots/confusion.csv"
CALIBRATION = "reports/plots/calibration.csv"
PR_DIR = "reports/plots/precision_recall"
PREDICTIONS = "reports/predictions.parquet"


def _write_csv(target: str, frame: pd.DataFrame) -> None:
    with atomic_path(target) as staged:
        frame.to_csv(staged, index=False)


def main() -> None:
    params = load_params()
    critical = list(params["data"].get("critical_classes") or [])
    bins = int(require(params, "evaluate.calibration_bins"))
    test = pd.read_parquet(TEST)
    predictor = load_model(MODEL_DIR)
    labels = predictor.classes_
    proba = predictor.predict_proba(test[TEXT].tolist())
    predicted = predictor.decide(proba)
    groups = [c for c in test.columns if c not in (RECORD_ID, TEXT, LABEL, CREATED_AT)]
    table = predictions_table(test, proba, labels, predicted, groups)
    y_true = table["y_true"].tolist()
    metrics = classification_metrics(y_true, predicted, proba, labels, critical_classes=critical, calibration_bins=bins)
    metrics["intervals"] = headline_intervals(
        y_true,
        list(predicted),
        list(labels),
        critical_classes=critical,
        proba=proba,
        calibration_bins=bins,
        level=float(require(params, "evaluate.intervals.level")),
        resamples=int(require(params, "evaluate.intervals.resamples")),
        seed=int(require(params, "seed")),
    )
    write_report("metrics", metrics)
    write_report("confusion_matrix", confusion_counts(y_true, predicted, labels))
    _write_csv(CONFUSION_ROWS, confusion_rows(y_true, predicted))
    _write_csv(CALIBRATION, reliability_table(y_true, predicted, table["confidence"].to_numpy(), bins))
    with atomic_path(PR_DIR) as staged:
        staged.mkdir()
        for label, curve in precision_recall_points(y_true, proba, labels).items():
            curve.to_csv(staged / f"{safe_filename(label)}.csv", index=False)
    write_parquet(PREDICTIONS, table)
    get_logger("stage.evaluate").info(
        "evaluated", extra={k: metrics[k] for k in ("accuracy", "f1_macro", "mcc", "ece")}
    )


if __name__ == "__main__":
    run_stage("evaluate", main)

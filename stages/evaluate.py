"""DVC stage `evaluate`: model + test split -> metrics, DVC plot data and the predictions table."""

from __future__ import annotations

import pandas as pd

from vigil.data.schema import CREATED_AT, LABEL, RECORD_ID, TEXT
from vigil.evaluation.metrics import classification_metrics
from vigil.evaluation.plots import confusion_counts, confusion_rows, precision_recall_points, safe_filename
from vigil.evaluation.predictions import predictions_table
from vigil.io import atomic_path, write_json, write_parquet
from vigil.log import get_logger
from vigil.modeling import load_model
from vigil.stage import run_stage

TEST = "data/processed/test.parquet"
MODEL_DIR = "models/model"
METRICS = "reports/metrics.json"
CONFUSION_ROWS = "reports/plots/confusion.csv"
CONFUSION_MATRIX = "reports/confusion_matrix.json"
PR_DIR = "reports/plots/precision_recall"
PREDICTIONS = "reports/predictions.parquet"


def main() -> None:
    test = pd.read_parquet(TEST)
    model = load_model(MODEL_DIR)
    labels = model.classes_
    proba = model.predict_proba(test[TEXT].tolist())
    table = predictions_table(
        test, proba, labels, [c for c in test.columns if c not in (RECORD_ID, TEXT, LABEL, CREATED_AT)]
    )
    y_true, y_pred = table["y_true"].tolist(), table["y_pred"].tolist()
    metrics = classification_metrics(y_true, y_pred, proba, labels)
    curves = precision_recall_points(y_true, proba, labels)
    write_json(METRICS, metrics)
    write_json(CONFUSION_MATRIX, confusion_counts(y_true, y_pred, labels))
    with atomic_path(CONFUSION_ROWS) as staged:
        confusion_rows(y_true, y_pred).to_csv(staged, index=False)
    with atomic_path(PR_DIR) as staged:
        staged.mkdir()
        for label, curve in curves.items():
            curve.to_csv(staged / f"{safe_filename(label)}.csv", index=False)
    write_parquet(PREDICTIONS, table)
    get_logger("stage.evaluate").info("evaluated", extra={k: metrics[k] for k in ("accuracy", "f1_macro", "mcc")})


if __name__ == "__main__":
    run_stage("evaluate", main)

"""DVC stage `train`: train split -> model directory (weights + model.json) and reports/train.json.

Timing goes to the log, not to reports/train.json: outputs stay byte-identical
across reruns, so a fresh clone's `dvc repro` reproduces the committed lock.
"""

from __future__ import annotations

import time

import pandas as pd

from vigil.data.schema import LABEL, TEXT
from vigil.evaluation.metrics import classification_metrics
from vigil.hashing import sha256_file
from vigil.io import write_json
from vigil.log import get_logger
from vigil.modeling import build_model, save_model
from vigil.params import load_params
from vigil.stage import run_stage

TRAIN = "data/processed/train.parquet"
VAL = "data/processed/val.parquet"
MODEL_DIR = "models/model"
REPORT = "reports/train.json"


def main() -> None:
    params = load_params()
    model_params = params["model"]
    train, val = pd.read_parquet(TRAIN), pd.read_parquet(VAL)
    model = build_model(model_params, seed=int(params["seed"]))
    started = time.perf_counter()
    model.fit(train[TEXT].tolist(), train[LABEL].tolist())
    fit_seconds = time.perf_counter() - started
    val_proba = model.predict_proba(val[TEXT].tolist())
    val_pred = [model.classes_[i] for i in val_proba.argmax(axis=1)]
    val_metrics = classification_metrics(val[LABEL].tolist(), val_pred, val_proba, model.classes_)
    card = save_model(
        model,
        MODEL_DIR,
        model_params=model_params,
        data_digests={"train_sha256": sha256_file(TRAIN), "val_sha256": sha256_file(VAL)},
        extra={"data": params["data"].get("name"), "seed": int(params["seed"])},
    )
    write_json(
        REPORT,
        {
            "family": card["family"],
            "n_train": len(train),
            "n_val": len(val),
            "val": {k: val_metrics[k] for k in ("accuracy", "f1_macro", "f1_weighted", "mcc")},
            "describe": card["describe"],
        },
    )
    get_logger("stage.train").info(
        "trained",
        extra={"family": card["family"], "fit_seconds": round(fit_seconds, 2), "val_f1_macro": val_metrics["f1_macro"]},
    )


if __name__ == "__main__":
    run_stage("train", main)

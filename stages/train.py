"""DVC stage `train`: train + val splits -> model directory (weights + model.json) and reports/train.json.

Timing goes to the log, not to reports/train.json: outputs stay byte-identical
across reruns, so a fresh clone's `dvc repro` reproduces the committed lock.
"""

from __future__ import annotations

import pandas as pd

from vigil.audit.mitigation import MitigationOptions, training_weights, weight_summary
from vigil.contracts import write_report
from vigil.data.schema import LABEL, TEXT, DataSpec
from vigil.hashing import sha256_file
from vigil.log import get_logger
from vigil.modeling import save_model
from vigil.modeling.training import TrainingOptions, train_predictor
from vigil.params import load_params, require
from vigil.stage import run_stage

TRAIN = "data/processed/train.parquet"
VAL = "data/processed/val.parquet"
MODEL_DIR = "models/model"


def main() -> None:
    params = load_params()
    model_params = params["model"]
    options = TrainingOptions.from_params(require(params, "train"))
    mitigation = MitigationOptions.from_params(
        params["train"].get("mitigation"), DataSpec.from_params(params["data"]).group_columns
    )
    train, val = pd.read_parquet(TRAIN), pd.read_parquet(VAL)
    weights = training_weights(mitigation, train, LABEL)
    result = train_predictor(
        model_params,
        options,
        int(params["seed"]),
        (train[TEXT].tolist(), train[LABEL].tolist()),
        (val[TEXT].tolist(), val[LABEL].tolist()),
        sample_weight=weights,
    )
    card = save_model(
        result.predictor,
        MODEL_DIR,
        model_params=model_params,
        data_digests={"train_sha256": sha256_file(TRAIN), "val_sha256": sha256_file(VAL)},
        extra={"data": params["data"].get("name"), "seed": int(params["seed"]), "mitigation": mitigation.describe()},
    )
    write_report(
        "train",
        {
            "family": card["family"],
            "n_train": len(train),
            "n_val": len(val),
            "calibration": card["calibration"],
            "decision": card["decision"],
            "mitigation": mitigation.describe() | ({"weights": weight_summary(weights)} if weights is not None else {}),
            "val_before_postprocessing": result.val_before,
            "val": result.val_after,
            "describe": card["describe"],
        },
    )
    get_logger("stage.train").info(
        "trained",
        extra={
            "family": card["family"],
            "fit_seconds": round(result.fit_seconds, 2),
            "val_f1_macro": result.val_after["f1_macro"],
            "val_ece": result.val_after["ece"],
            "temperature": result.predictor.temperature,
        },
    )


if __name__ == "__main__":
    run_stage("train", main)

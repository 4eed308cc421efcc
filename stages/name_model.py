"""DVC stage `name_model`: data/pii_corpora train splits + generated notes -> models/name_model/ and its dev metrics.

The scrubber's learned name detector (:mod:`vigil.privacy.name_model`), versioned
like any model: its weights and card are a DVC output, its dev-split curves
(names found and other words marked per threshold) a DVC metrics file.
"""

from __future__ import annotations

import time

from vigil.io import atomic_path, write_json
from vigil.log import get_logger
from vigil.params import load_params, require
from vigil.privacy.name_training import NameModelSettings, train_name_model
from vigil.stage import run_stage

OUTPUT = "models/name_model"
METRICS = "reports/name_model.json"


def main() -> None:
    settings = NameModelSettings.from_params(require(load_params(), "name_model"))
    started = time.perf_counter()
    model, metrics = train_name_model(settings)
    with atomic_path(OUTPUT) as directory:
        model.save(directory)
    write_json(METRICS, metrics)
    get_logger("stage.name_model").info(
        "name model trained",
        extra={"tokens": metrics["training_tokens"], "seconds": round(time.perf_counter() - started, 1)},
    )


if __name__ == "__main__":
    run_stage("name_model", main)

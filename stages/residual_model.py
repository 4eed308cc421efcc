"""DVC stage `residual_model`: the residual scan's character model, trained and calibrated -> models/residual_model/.

Its card (``model.json``) holds the threshold chosen for at most
``residual_model.max_false_alarm_rate`` flagged clean technical notes and the
measured sensitivity on names the committed scrubber leaves in the dev splits;
the scrub stage turns its flag count into an estimated residual rate with them.
"""

from __future__ import annotations

import time

from vigil.io import atomic_path
from vigil.log import get_logger
from vigil.params import load_params, require
from vigil.privacy.residual_calibration import ResidualModelSettings, train_residual_model
from vigil.stage import run_stage

OUTPUT = "models/residual_model"


def main() -> None:
    params = load_params()
    settings = ResidualModelSettings.from_params(require(params, "residual_model"))
    started = time.perf_counter()
    model = train_residual_model(settings, require(params, "scrub"))
    with atomic_path(OUTPUT) as directory:
        model.save(directory)
    calibration = model.card["calibration"]
    get_logger("stage.residual_model").info(
        "residual model calibrated",
        extra={
            "threshold": round(model.threshold, 4),
            "false_alarms": f"{calibration['false_alarms']}/{calibration['clean_notes']}",
            "leaked_names_found": f"{calibration['leaked_names_found']}/{calibration['leaked_names']}",
            "seconds": round(time.perf_counter() - started, 1),
        },
    )


if __name__ == "__main__":
    run_stage("residual_model", main)

"""DVC stage `scrub`: raw records -> scrubbed records, re-identification vault, reports/privacy.json.

The only stage after `ingest` that reads raw text. Configuration (and keys for
keyed operators) is validated before any record is read; outputs are written
atomically; logs carry counts, never values.
"""

from __future__ import annotations

import sys
import time

from vigil.contracts import write_report
from vigil.log import get_logger
from vigil.params import load_params, require
from vigil.privacy.config import ScrubConfig, key_from_env
from vigil.privacy.engine import scrub_recognizer_names
from vigil.privacy.parallel import scrub_parquet
from vigil.privacy.report import privacy_report
from vigil.stage import run_stage

RAW = "data/interim/raw.parquet"
SCRUBBED = "data/interim/scrubbed.parquet"
VAULT = "data/interim/reidentification.parquet"


def main() -> None:
    config = ScrubConfig.from_params(require(load_params(), "scrub"))
    for operator in ("pseudonymize", "encrypt"):
        if config.uses(operator):
            key_from_env(config, operator)  # fail now, not inside a worker
    started = time.perf_counter()
    totals = scrub_parquet(RAW, SCRUBBED, VAULT, config, progress=sys.stderr.isatty())
    seconds = time.perf_counter() - started
    report = privacy_report(totals, config, scrub_recognizer_names(config))
    write_report("privacy", report)
    get_logger("stage.scrub").info(
        "scrubbed",
        extra={
            "records": totals.records_scanned,
            "records_with_pii": totals.records_with_pii,
            "entities_total": report["entities_total"],
            "residual_entities": report["residual_entities"],
            "workers": config.effective_workers(),
            "records_per_second": round(totals.records_scanned / seconds, 1) if seconds else None,
        },
    )


if __name__ == "__main__":
    run_stage("scrub", main)

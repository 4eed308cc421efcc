"""DVC stage `scrub`: raw records -> scrubbed records, re-identification vault, reports/privacy.json.

The only stage after `ingest` that reads raw text. Configuration (and keys for
keyed operators) is validated before any record is read; outputs are written
atomically; logs carry counts, never values. ``scrub.engine`` chooses where the
work runs (this machine's cores, or Spark); the outputs are the same either way.
"""

from __future__ import annotations

import sys
import time

from vigil.contracts import write_report
from vigil.log import get_logger
from vigil.params import load_params, require
from vigil.privacy.config import ScrubConfig, operator_keys
from vigil.privacy.engine import scrub_recognizer_names
from vigil.privacy.parallel import scrub_parquet
from vigil.privacy.report import privacy_report
from vigil.privacy.residual import residual_model_for
from vigil.privacy.scrub_output import ScrubTotals
from vigil.spark.settings import SparkSettings
from vigil.stage import run_stage

RAW = "data/interim/raw.parquet"
SCRUBBED = "data/interim/scrubbed.parquet"
VAULT = "data/interim/reidentification.parquet"


def _scrub_on_spark(config: ScrubConfig, settings: SparkSettings, progress: bool) -> tuple[ScrubTotals, dict]:
    from vigil.privacy.spark_engine import scrub_parquet_on_spark
    from vigil.spark.session import describe, spark_session

    batch_rows = settings.arrow_batch_rows or config.chunk_rows
    with spark_session(settings, "vigil-scrub", batch_rows, "scrub.engine") as session:
        where = describe(session)
        get_logger("stage.scrub").info("spark session", extra=dict(where))
        totals = scrub_parquet_on_spark(session, RAW, SCRUBBED, VAULT, config, settings, progress)
    return totals, {"engine": "spark", "master": where["master"], "parallelism": where["parallelism"]}


def main() -> None:
    config = ScrubConfig.from_params(require(load_params(), "scrub"))
    operator_keys(config)  # a missing or short key fails now, not inside a worker or an executor
    # Bad Spark settings fail before Spark starts; the local engine ignores the block.
    spark = SparkSettings.from_params(config.spark, "scrub.spark") if config.engine == "spark" else None
    started = time.perf_counter()
    progress = sys.stderr.isatty()
    if spark is not None:
        totals, how = _scrub_on_spark(config, spark, progress)
    else:
        totals = scrub_parquet(RAW, SCRUBBED, VAULT, config, progress=progress)
        how = {"engine": "local", "workers": config.effective_workers()}
    seconds = time.perf_counter() - started
    residual = residual_model_for(config.residual_model_path)
    report = privacy_report(totals, config, scrub_recognizer_names(config), residual.card if residual else None)
    write_report("privacy", report)
    get_logger("stage.scrub").info(
        "scrubbed",
        extra={
            "records": totals.records_scanned,
            "records_with_pii": totals.records_with_pii,
            "entities_total": report["entities_total"],
            "residual_entities": report["residual_entities"],
            **how,
            "records_per_second": round(totals.records_scanned / seconds, 1) if seconds else None,
        },
    )


if __name__ == "__main__":
    run_stage("scrub", main)

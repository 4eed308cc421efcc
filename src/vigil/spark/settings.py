"""``<section>.spark``: where Spark runs and how the driver feeds it, validated before Spark starts.

Why a master in params *and* an environment override: the committed params say
how the pipeline runs on a laptop (``local[*]``); the same commit is submitted to a
cluster by setting ``VIGIL_SPARK_MASTER`` (or by ``spark-submit --master``, which
this never overrides), so moving to a cluster changes no tracked file and no
output.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from vigil.config_section import from_section
from vigil.errors import VigilError

MASTER_ENV = "VIGIL_SPARK_MASTER"
LOG_LEVELS = ("ALL", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "OFF")


@dataclass(frozen=True)
class SparkSettings:
    master: str = "local[*]"
    # Rows the driver hands Spark per job: bounds the driver's memory (one window of
    # notes in flight) while giving every executor core many Arrow batches to work on.
    window_rows: int = 100_000
    # Rows per Arrow batch between the JVM and a Python worker (0: the stage's own chunk size). A window is
    # split into these batches over ``spark.default.parallelism`` partitions, so smaller batches spread a
    # small window over more cores.
    arrow_batch_rows: int = 0
    log_level: str = "WARN"  # Spark's own (log4j) level; INFO shows task progress, never data
    conf: Mapping[str, Any] = field(default_factory=dict)  # any Spark setting, passed through as a string

    @classmethod
    def from_params(cls, section: Mapping[str, Any] | None, where: str) -> SparkSettings:
        settings = from_section(cls, section, where)
        if settings.window_rows < 1:
            raise VigilError(f"params.yaml: {where}.window_rows must be at least 1, got {settings.window_rows}")
        if settings.arrow_batch_rows < 0:
            raise VigilError(f"params.yaml: {where}.arrow_batch_rows must be 0 (the stage's chunk size) or more")
        if settings.log_level.upper() not in LOG_LEVELS:
            raise VigilError(f"params.yaml: {where}.log_level must be one of {list(LOG_LEVELS)}")
        if not isinstance(settings.conf, Mapping):
            raise VigilError(f"params.yaml: {where}.conf must be a mapping of Spark settings")
        return settings

    def effective_master(self) -> str | None:
        """The master to ask for: the environment's, else the params', or None under spark-submit (its own)."""
        if os.environ.get(MASTER_ENV):
            return os.environ[MASTER_ENV]
        if os.environ.get("PYSPARK_GATEWAY_PORT"):  # launched by spark-submit: its JVM already has a master
            return None
        return self.master

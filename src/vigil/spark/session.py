"""Start or join the Spark session a stage runs on, or say in one line what is missing.

Why defaults are set here: Arrow must carry the data between the JVM and the
Python workers (row-by-row pickling is an order of magnitude slower), and Python
workers must be reused across tasks, because each one holds an analyzer that
took seconds to build. The params' ``conf`` can still override any of them.
"""

from __future__ import annotations

import os
import shutil
import sys
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vigil.errors import VigilError
from vigil.spark.settings import SparkSettings

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

INSTALL_HINT = "make run EXTRAS=dev,transformers,serve,spark (as root it also installs openjdk-17-jre-headless)"


def _defaults(arrow_batch_rows: int) -> dict[str, str]:
    return {
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.sql.execution.arrow.maxRecordsPerBatch": str(arrow_batch_rows),
        "spark.python.worker.reuse": "true",
        "spark.ui.showConsoleProgress": "true",
    }


LOG_CONFIG = Path(__file__).with_name("log4j2.properties")
DRIVER_JAVA_OPTIONS = "spark.driver.extraJavaOptions"


def spark_conf(settings: SparkSettings, arrow_batch_rows: int) -> dict[str, str]:
    """Every setting the session is built with: the defaults above, then the params' ``conf``.

    The driver's log configuration (``log4j2.properties`` beside this module) applies
    from the JVM's first line; Java options from the params are kept after it.
    """
    conf = _defaults(arrow_batch_rows)
    conf.update({str(key): _text(value) for key, value in settings.conf.items()})
    logging = f"-Dlog4j2.configurationFile=file:{LOG_CONFIG}"
    conf[DRIVER_JAVA_OPTIONS] = f"{logging} {conf.get(DRIVER_JAVA_OPTIONS, '')}".strip()
    return conf


def _text(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _require_runtime(where: str) -> None:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise VigilError(f"{where} is 'spark' but pyspark is not installed: {INSTALL_HINT}") from None
    java_home = os.environ.get("JAVA_HOME")
    if not shutil.which("java") and not (java_home and os.path.exists(os.path.join(java_home, "bin", "java"))):
        raise VigilError(f"{where} is 'spark' but no Java runtime was found (set JAVA_HOME or {INSTALL_HINT})")


@contextmanager
def spark_session(settings: SparkSettings, app_name: str, arrow_batch_rows: int, where: str) -> Iterator[SparkSession]:
    """A session for one stage; stopped afterwards unless it was already running (a test's shared session)."""
    _require_runtime(where)
    from pyspark.sql import SparkSession

    already = SparkSession.getActiveSession()
    builder = SparkSession.builder.appName(app_name)
    master = settings.effective_master()
    if master:
        builder = builder.master(master)
    if (master or "").startswith("local") and not os.environ.get("PYSPARK_PYTHON"):
        # Local executors run this interpreter (the venv holding Vigil and the spaCy model), not `python3` on
        # PATH; a cluster's executors name theirs with PYSPARK_PYTHON or spark-submit's spark.pyspark.python.
        os.environ["PYSPARK_PYTHON"] = sys.executable
    # pyspark warns on every Arrow UDF under pandas 3; the Arrow path used here never converts to pandas.
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
    for key, value in spark_conf(settings, arrow_batch_rows).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel(settings.log_level.upper())
    try:
        yield session
    finally:
        if already is None:
            session.stop()


def describe(session: SparkSession) -> Mapping[str, Any]:
    """What a log line says about the cluster: master, parallelism, UI address (no settings values)."""
    context = session.sparkContext
    return {"master": context.master, "parallelism": context.defaultParallelism, "spark_ui": context.uiWebUrl}

"""What every stage script shares: logging set-up and the one-line error contract.

A stage that hits a :class:`~vigil.errors.VigilError` prints exactly one line
(``<stage>: error: <file>, row N, column 'c': <reason>``) and exits 2; anything
else is a bug and keeps its traceback.

Every stage computes with one BLAS thread. OpenBLAS splits a dot product or a
matrix-vector product across threads, and the partial sums then add up in an
order that depends on the thread count; the low bits of a fitted model change
with it (the TF-IDF model's bytes differed between 1 and 2 threads, with equal
metrics). One thread makes the result depend on the CPU's kernel only, which
``vigil reproduce`` measures, and it was faster for these models
(``python bench/record.py blas_threads`` measures both settings in one run).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

from threadpoolctl import threadpool_limits

from vigil.errors import VigilError
from vigil.log import configure, get_logger

BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")


def run_stage(name: str, main: Callable[[], None]) -> None:
    """Run ``main`` as stage ``name`` with structured start/finish logs."""
    configure()
    log = get_logger(f"stage.{name}")
    started = time.perf_counter()
    log.info("stage started", extra={"stage": name})
    for variable in BLAS_THREAD_VARIABLES:  # worker processes start with the same limit
        os.environ[variable] = "1"
    try:
        with threadpool_limits(limits=1, user_api="blas"):
            main()
    except VigilError as exc:
        print(f"{name}: error: {exc}", file=sys.stderr)
        sys.exit(2)
    log.info("stage finished", extra={"stage": name, "seconds": round(time.perf_counter() - started, 3)})

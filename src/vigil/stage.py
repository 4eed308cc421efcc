"""What every stage script shares: logging set-up and the one-line error contract.

A stage that hits a :class:`~vigil.errors.VigilError` prints exactly one line
(``<stage>: error: <file>, row N, column 'c': <reason>``) and exits 2; anything
else is a bug and keeps its traceback.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

from vigil.errors import VigilError
from vigil.log import configure, get_logger


def run_stage(name: str, main: Callable[[], None]) -> None:
    """Run ``main`` as stage ``name`` with structured start/finish logs."""
    configure()
    log = get_logger(f"stage.{name}")
    started = time.perf_counter()
    log.info("stage started", extra={"stage": name})
    try:
        main()
    except VigilError as exc:
        print(f"{name}: error: {exc}", file=sys.stderr)
        sys.exit(2)
    log.info("stage finished", extra={"stage": name, "seconds": round(time.perf_counter() - started, 3)})

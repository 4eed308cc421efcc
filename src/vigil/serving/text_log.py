"""Request texts in the log, scrubbed on one dedicated thread and never far behind (``log_text: scrubbed``).

The first version scrubbed in the request, on Starlette's shared thread pool:
one spaCy pipeline used from up to 40 threads at once gave 13 errors in 40
requests at concurrency 8, and each request paid about 36x the CPU of the
default mode before its answer. Now the scrubber runs on one thread per worker
(a spaCy pipeline is used by one thread at a time), after the answer has been
sent, and at most ``max_pending`` texts wait for it: past that, the prediction's
log line is written without its texts (``texts_not_logged``) and counted, so
logging can never slow the service down or grow its memory. A scrubber failure
writes the line without texts too: a text that was not scrubbed is never logged.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

TextScrubber = Callable[[list[str]], list[str]]


class ScrubbedTextLog:
    """Writes each prediction's log line with its texts scrubbed, off the request path, within a bound."""

    def __init__(
        self,
        scrub: TextScrubber,
        log: logging.Logger,
        max_pending: int,
        skipped: Callable[[int], None] = lambda n: None,
    ) -> None:
        self._scrub, self._log, self._max_pending, self._skipped = scrub, log, max_pending, skipped
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vigil-scrub-log")
        self._lock = threading.Lock()
        self._pending = 0

    def write(self, extra: dict[str, Any], texts: list[str]) -> None:
        """Queue the line for scrubbing, or write it now without texts when the scrubber is behind."""
        with self._lock:
            admitted = self._pending + len(texts) <= self._max_pending
            if admitted:
                self._pending += len(texts)
        if not admitted:
            self._skipped(len(texts))
            self._log.info("predicted", extra={**extra, "texts_not_logged": "scrubber backlog"})
            return
        self._executor.submit(self._scrub_and_write, extra, texts)

    def close(self) -> None:
        """Write what is queued (the service is stopping; these lines are still wanted)."""
        self._executor.shutdown(wait=True)

    def _scrub_and_write(self, extra: dict[str, Any], texts: list[str]) -> None:
        try:
            scrubbed = self._scrub(texts)
        except Exception as exc:  # noqa: BLE001 - the line is still written, without the texts
            self._skipped(len(texts))
            self._log.error("predicted", extra={**extra, "texts_not_logged": f"scrubber failed: {type(exc).__name__}"})
        else:
            self._log.info("predicted", extra={**extra, "texts_scrubbed": scrubbed})
        finally:
            with self._lock:
                self._pending -= len(texts)

"""Shutdown in two steps: first refuse new work while finishing the old, then let uvicorn stop.

Stopping at once on SIGTERM lost requests: with 40 heavy requests in flight, 22
got 500 and 6 were reset. Part of that was the unbounded queue (the drain
deadline passed with work still queued), part the listener closing while clients
and the load balancer still sent new connections, which the kernel then resets.
On SIGTERM the service now first *drains* for ``serve.shutdown_drain_seconds``:
``/ready`` answers 503 (so Kubernetes removes the pod from its Service, which
takes a few seconds to reach every node), new predictions get a clean 503
``shutting_down`` with ``Connection: close``, and queued ones still run. Only then
is uvicorn's own handler called, which closes the listener and waits for what
is in flight. SIGINT (Ctrl-C at a terminal) and a second SIGTERM stop at once.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

from vigil.log import get_logger

log = get_logger("serving.shutdown")
Handler = Callable[[int, FrameType | None], Any]


class Drain:
    """The process's shutdown state, and the SIGTERM handler that starts it."""

    def __init__(self, seconds: float, on_start: Callable[[], None]) -> None:
        self.seconds = seconds
        self.on_start = on_start
        self.active = False

    def install(self) -> bool:
        """Put the drain in front of the current SIGTERM handler (uvicorn's); only the main thread can."""
        if self.seconds <= 0 or threading.current_thread() is not threading.main_thread():
            return False
        previous = signal.getsignal(signal.SIGTERM)
        if not callable(previous):
            return False
        signal.signal(signal.SIGTERM, lambda sig, frame: self.handle(previous, sig, frame))
        return True

    def handle(self, previous: Handler, sig: int, frame: FrameType | None) -> None:
        """First SIGTERM: drain, then hand over to ``previous``; a second one hands over at once."""
        if self.active:
            previous(sig, frame)
            return
        self.active = True
        self.on_start()
        log.info("draining before shutdown", extra={"seconds": self.seconds})
        timer = threading.Timer(self.seconds, previous, (sig, frame))
        timer.daemon = True
        timer.start()

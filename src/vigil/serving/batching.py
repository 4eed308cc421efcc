"""Dynamic batching behind a bounded queue: merge what waits, refuse what would wait too long.

The model's cost per call has a large fixed part (a vectoriser pass, a BLAS
call), so 32 texts in one call cost about 8x one text, not 32x (bench/serve.py).
The batcher never waits for a batch to fill: an idle service runs each request
at once, and a busy one takes everything queued (up to ``max_texts_per_call``)
when the previous call returns. Inference runs on one dedicated thread per
worker process, so the event loop keeps accepting and parsing requests meanwhile.

Without a bound, overload turned into minutes of queueing: 120 heavy requests
whose clients had given up were all computed, and a one-text request sent next
waited 85.6 s while ``/ready`` said 200. Now a request is admitted only while the
queue holds fewer than ``max_queued_texts`` texts and the predicted wait (the
call in flight plus the queued calls, from :class:`CallCost`) is within
``max_wait_seconds``; otherwise it is refused at once (503 with ``Retry-After``).
An admitted request whose wait overran the bound anyway is refused when its turn
comes instead of being computed late, and one whose client disconnected while
queued is dropped before inference.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

from vigil.serving.call_cost import CallCost

ClientGone = Callable[[], Awaitable[Any]]
# Admit while the predicted wait is within 90 % of the bound: the rest absorbs the prediction's error and the
# event loop's own delay, so admitted requests rarely overrun the bound and get refused late (measured: waits
# of 0.50-0.52 s against a 0.5 s bound, 3 in 56 requests, when admission used the whole bound).
ADMISSION_HEADROOM = 0.9
WATCH_DISCONNECT_SECONDS = 0.05  # predicted waits shorter than this are not watched for a disconnect


class Rejected(Exception):
    """A request the queue did not compute; ``reason`` is a stable code, ``retry_after`` whole seconds."""

    def __init__(self, reason: str, detail: str, retry_after: int = 1) -> None:
        super().__init__(detail)
        self.reason, self.detail, self.retry_after = reason, detail, retry_after


class QueueMetrics(Protocol):
    """Where the queue reports its depth, each admitted request's wait, and each refusal."""

    def depth(self, texts: int) -> None: ...
    def waited(self, seconds: float) -> None: ...
    def refused(self, reason: str) -> None: ...


class _NoMetrics:
    def depth(self, texts: int) -> None:
        pass

    def waited(self, seconds: float) -> None:
        pass

    def refused(self, reason: str) -> None:
        pass


@dataclass(frozen=True)
class QueueLimits:
    max_texts_per_call: int = 64
    max_queued_texts: int = 2048
    max_wait_seconds: float = 2.0


@dataclass(eq=False)
class _Job:
    texts: list[str]
    chars: int
    future: asyncio.Future
    admitted: float = field(default_factory=time.monotonic)


class MicroBatcher:
    """Serialises inference on one thread, merges queued requests into one call, bounds the queue."""

    def __init__(
        self,
        predict: Callable[[list[str]], list[Any]],
        limits: QueueLimits,
        metrics: QueueMetrics | None = None,
    ) -> None:
        self._predict = predict
        self.limits = limits
        self._metrics = metrics or _NoMetrics()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vigil-inference")
        self._cost = CallCost()
        self._queue: deque[_Job] = deque()
        self._queued_texts = 0
        self._queued_chars = 0
        self._in_flight: tuple[float, float] | None = None  # (started, predicted seconds) of the running call
        self._wake: asyncio.Event | None = None
        self._worker: asyncio.Task | None = None
        self._closing = False

    @property
    def queued_texts(self) -> int:
        return self._queued_texts

    def estimated_wait(self) -> float:
        """Seconds a request queued now would wait before its call starts."""
        left = 0.0
        if self._in_flight is not None:
            started, predicted = self._in_flight
            left = max(0.0, predicted - (time.monotonic() - started))
        calls = math.ceil(self._queued_texts / self.limits.max_texts_per_call)
        return left + self._cost.seconds(calls, self._queued_chars)

    def backlogged(self) -> bool:
        """True while a new request would be refused: the service should take no more traffic."""
        if self._queued_texts >= self.limits.max_queued_texts:
            return True
        return bool(self._queue) and self.estimated_wait() > self.limits.max_wait_seconds * ADMISSION_HEADROOM

    async def submit(self, texts: list[str], client_gone: ClientGone | None = None) -> list[Any]:
        """Results for ``texts``, in order, or :class:`Rejected` (never split across calls).

        ``client_gone`` resolves when the client disconnects; a request still queued then is dropped.
        """
        self._start_worker()
        busy = self._in_flight is not None or bool(self._queue)
        if self._closing:
            self._refuse(Rejected("shutting_down", "the service is shutting down; retry on another instance"))
        wait = 0.0
        if busy:
            wait = self._admit_or_refuse(len(texts))
        job = _Job(texts, sum(map(len, texts)), asyncio.get_running_loop().create_future())
        self._enqueue(job)
        # Watching for a disconnect costs a task per request (3,443 instead of 3,622 one-text requests/s when
        # every request queued briefly); it pays only when the wait is long enough for a client to give up in it.
        if client_gone is None or not busy or (self._cost.known and wait < WATCH_DISCONNECT_SECONDS):
            return await self._result(job)
        watcher = asyncio.ensure_future(client_gone())
        try:
            await asyncio.wait((job.future, watcher), return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            self._drop(job)
            raise
        finally:
            watcher.cancel()
        if not job.future.done() and self._drop(job):
            self._refuse(Rejected("client_gone", "the client disconnected while the request was queued", 0))
        return await self._result(job)

    def stop_admitting(self) -> None:
        """Refuse new requests (503 ``shutting_down``); queued ones still run."""
        self._closing = True

    async def close(self, drain_seconds: float = 0.0) -> None:
        """Refuse new requests, let the queued ones finish (up to ``drain_seconds``), refuse the rest."""
        self._closing = True
        if self._worker is not None and self._wake is not None:
            self._wake.set()
            try:
                await asyncio.wait_for(asyncio.shield(self._worker), drain_seconds)
            except TimeoutError:
                self._worker.cancel()
        while self._queue:
            job = self._pop()
            if not job.future.done():
                job.future.set_exception(Rejected("shutting_down", "the service shut down before this request ran"))
                self._metrics.refused("shutting_down")
        self._executor.shutdown(wait=False, cancel_futures=True)

    # -- admission -------------------------------------------------------------------------------

    def _admit_or_refuse(self, n_texts: int) -> float:
        """The predicted wait of an admitted request; raises :class:`Rejected` otherwise."""
        limits = self.limits
        if self._queued_texts + n_texts > limits.max_queued_texts:
            wait = self.estimated_wait()
            self._refuse(
                Rejected(
                    "queue_full",
                    f"{self._queued_texts} texts already queued; at most {limits.max_queued_texts}",
                    max(1, math.ceil(wait)),
                )
            )
        wait = self.estimated_wait()
        if wait > limits.max_wait_seconds * ADMISSION_HEADROOM:
            self._refuse(
                Rejected(
                    "wait_too_long",
                    f"predicted wait {wait:.2f} s; at most {limits.max_wait_seconds:g} s",
                    max(1, math.ceil(wait)),
                )
            )
        return wait

    def _refuse(self, rejection: Rejected) -> None:
        self._metrics.refused(rejection.reason)
        raise rejection

    async def _result(self, job: _Job) -> list[Any]:
        try:
            return await job.future
        except asyncio.CancelledError:
            self._drop(job)  # the request itself was cancelled: its texts need no call
            raise

    # -- the queue ---------------------------------------------------------------------------------

    def _start_worker(self) -> None:
        if self._worker is None or self._worker.done():
            self._wake = asyncio.Event()
            self._worker = asyncio.get_running_loop().create_task(self._run())

    def _enqueue(self, job: _Job) -> None:
        self._queue.append(job)
        self._queued_texts += len(job.texts)
        self._queued_chars += job.chars
        self._metrics.depth(self._queued_texts)
        assert self._wake is not None
        self._wake.set()

    def _pop(self) -> _Job:
        job = self._queue.popleft()
        self._queued_texts -= len(job.texts)
        self._queued_chars -= job.chars
        self._metrics.depth(self._queued_texts)
        return job

    def _drop(self, job: _Job) -> bool:
        """Take a job out of the queue before it runs; False when its call has already started."""
        try:
            self._queue.remove(job)
        except ValueError:
            return False
        self._queued_texts -= len(job.texts)
        self._queued_chars -= job.chars
        self._metrics.depth(self._queued_texts)
        job.future.cancel()
        return True

    def _take(self) -> list[_Job]:
        """The next call's jobs: in order, within the call size, none that waited past the bound."""
        jobs: list[_Job] = []
        size = 0
        now = time.monotonic()
        while self._queue and (not jobs or size + len(self._queue[0].texts) <= self.limits.max_texts_per_call):
            job = self._pop()
            if job.future.done():
                continue
            waited = now - job.admitted
            if waited > self.limits.max_wait_seconds:
                bound = self.limits.max_wait_seconds
                retry = max(1, math.ceil(self.estimated_wait()))
                job.future.set_exception(
                    Rejected("deadline", f"waited {waited:.2f} s, past the {bound:g} s bound", retry)
                )
                self._metrics.refused("deadline")
                continue
            self._metrics.waited(waited)
            jobs.append(job)
            size += len(job.texts)
        return jobs

    async def _run(self) -> None:
        assert self._wake is not None
        loop = asyncio.get_running_loop()
        while True:
            if not self._queue:
                if self._closing:
                    return
                self._wake.clear()
                await self._wake.wait()
                continue
            jobs = self._take()
            if not jobs:
                continue
            texts = [text for job in jobs for text in job.texts]
            chars = sum(job.chars for job in jobs)
            started = time.monotonic()
            self._in_flight = (started, self._cost.seconds(1, chars))
            try:
                results = await loop.run_in_executor(self._executor, self._predict, texts)
            except Exception as exc:  # noqa: BLE001 - handed to every waiting request, which turns it into a 500
                for job in jobs:
                    if not job.future.done():
                        job.future.set_exception(exc)
                continue
            finally:
                self._in_flight = None
            self._cost.observe(chars, time.monotonic() - started)
            start = 0
            for job in jobs:
                if not job.future.done():  # a request cancelled mid-call leaves a cancelled future
                    job.future.set_result(results[start : start + len(job.texts)])
                start += len(job.texts)

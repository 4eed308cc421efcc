"""Dynamic batching: requests that arrive while the model is busy are classified in one call.

The model's cost per call has a large fixed part (a vectoriser pass, a BLAS
call), so 32 texts in one call cost about 8x one text, not 32x (bench/serve.py).
The batcher never waits for a batch to fill: an idle service runs each request
at once, and a busy one takes everything queued (up to ``max_texts``) when the
previous call returns. Inference runs on one dedicated thread per worker
process, so the event loop keeps accepting and parsing requests meanwhile.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

Job = tuple[list[str], asyncio.Future]


class MicroBatcher:
    """Serialises inference on one thread and merges queued requests into one model call."""

    def __init__(self, predict: Callable[[list[str]], list[Any]], max_texts: int) -> None:
        self._predict = predict
        self._max_texts = max_texts
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vigil-inference")
        self._queue: asyncio.Queue[Job] | None = None
        self._worker: asyncio.Task | None = None

    async def submit(self, texts: list[str]) -> list[Any]:
        """Results for ``texts``, in order (the caller's texts are never split across calls)."""
        if self._worker is None or self._worker.done():
            self._queue = asyncio.Queue()
            self._worker = asyncio.get_running_loop().create_task(self._run())
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        assert self._queue is not None
        self._queue.put_nowait((texts, future))
        return await future

    async def close(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
        self._executor.shutdown(wait=True, cancel_futures=True)

    async def _run(self) -> None:
        assert self._queue is not None
        loop = asyncio.get_running_loop()
        while True:
            jobs = [await self._queue.get()]
            size = len(jobs[0][0])
            while not self._queue.empty() and size + len(self._queue._queue[0][0]) <= self._max_texts:  # type: ignore[attr-defined]  # noqa: SLF001 - peek without taking
                job = self._queue.get_nowait()
                jobs.append(job)
                size += len(job[0])
            texts = [text for job_texts, _ in jobs for text in job_texts]
            try:
                results = await loop.run_in_executor(self._executor, self._predict, texts)
            except Exception as exc:  # noqa: BLE001 - handed to every waiting request, which turns it into a 500
                for _, future in jobs:
                    if not future.done():
                        future.set_exception(exc)
                continue
            start = 0
            for job_texts, future in jobs:
                if not future.done():  # a client that went away leaves a cancelled future
                    future.set_result(results[start : start + len(job_texts)])
                start += len(job_texts)

"""Load test of `vigil serve` at 1x, 2x and 4x its measured capacity: throughput, latency, refusals, errors.

Needs the pipeline outputs (``make run``). Starts ``vigil serve --workers 1`` on
127.0.0.1 (one worker, as in deploy/: a pod's queue and readiness are its own),
then:

1. capacity: a closed loop (``--concurrency`` clients, each sending its next
   request when the last is answered) for ``--seconds`` -> completed requests/s;
2. for each multiple (1x, 2x, 4x): an open loop that *sends* at that multiple of
   the capacity, whatever the server answers (a closed loop would slow down with
   the server and never overload it), for ``--seconds``, while ``/ready`` is
   polled every 100 ms; then waits for ``/ready`` to recover.

Each request classifies ``--texts`` notes of the test split (scrubbed, as the
service would see them). Reported per load: requests sent, answered 200 and 503
(by reason), other errors, admitted throughput, admitted latency p50/p95/p99,
refusal latency p50/p99, and the share of readiness polls that said 503.

    python bench/serve_load.py [--seconds 10] [--texts 64] [--wait-bound 1.0]
    python bench/record.py serve_load          # keeps the output in bench/results/serve_load.md
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class LoadResult:
    """Outcomes of one load level."""

    label: str
    rate: float
    seconds: float
    statuses: Counter = field(default_factory=Counter)
    admitted_ms: list[float] = field(default_factory=list)
    refused_ms: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    ready: Counter = field(default_factory=Counter)
    lag_ms: list[float] = field(default_factory=list)  # how late each send was against its schedule
    wall: float = 0.0  # first send to last answer


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _quantile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _texts(n: int) -> list[str]:
    import pandas as pd

    notes = pd.read_parquet(ROOT / "data/processed/test.parquet", columns=["text"])["text"].astype(str).tolist()
    return [notes[i % len(notes)] for i in range(n)]


async def _wait_ready(client: httpx.AsyncClient, url: str, seconds: float = 60) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        try:
            if (await client.get(f"{url}/ready")).status_code == 200:
                return time.perf_counter() - started
        except httpx.HTTPError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError(f"/ready did not answer 200 within {seconds} s")


async def _capacity(client: httpx.AsyncClient, url: str, body: bytes, concurrency: int, seconds: float) -> float:
    done = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            response = await client.post(f"{url}/predict", content=body, headers={"content-type": "application/json"})
            if response.status_code == 200:
                done += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done / (time.perf_counter() - started)


async def _open_loop(client: httpx.AsyncClient, url: str, body: bytes, result: LoadResult) -> None:
    stop = asyncio.Event()

    async def one(scheduled: float) -> None:
        started = time.perf_counter()
        result.lag_ms.append((started - scheduled) * 1000)
        try:
            response = await client.post(f"{url}/predict", content=body, headers={"content-type": "application/json"})
        except httpx.HTTPError as exc:
            result.errors[type(exc).__name__] += 1
            return
        elapsed = (time.perf_counter() - started) * 1000
        reason = response.json().get("error") if response.status_code != 200 else None
        result.statuses[(response.status_code, reason)] += 1
        (result.admitted_ms if response.status_code == 200 else result.refused_ms).append(elapsed)

    async def poll_ready() -> None:
        while not stop.is_set():
            try:
                result.ready[(await client.get(f"{url}/ready")).status_code] += 1
            except httpx.HTTPError as exc:
                result.errors[f"ready {type(exc).__name__}"] += 1
            await asyncio.sleep(0.1)

    poller = asyncio.create_task(poll_ready())
    tasks = []
    interval = 1 / result.rate
    started = time.perf_counter()
    sent = 0
    while (now := time.perf_counter()) - started < result.seconds:
        due = int((now - started) / interval) + 1  # every request whose send time has come, even if late
        while sent < due:
            tasks.append(asyncio.create_task(one(started + sent * interval)))
            sent += 1
        await asyncio.sleep(min(interval, 0.005))
    await asyncio.gather(*tasks)
    result.wall = time.perf_counter() - started
    stop.set()
    await poller


def _row(r: LoadResult) -> str:
    sent = sum(r.statuses.values()) + sum(v for k, v in r.errors.items() if not k.startswith("ready"))
    ok = r.statuses.get((200, None), 0)
    refused = sum(v for (status, _), v in r.statuses.items() if status == 503)
    ready_false = r.ready.get(503, 0) / max(1, sum(r.ready.values()))
    admitted = r.admitted_ms
    return (
        f"| {r.label} | {r.rate:,.1f} | {sent:,} | {ok:,} | {ok / r.wall:,.1f} | {_quantile(admitted, 0.5):,.0f} | "
        f"{_quantile(admitted, 0.95):,.0f} | {_quantile(admitted, 0.99):,.0f} | {refused:,} | "
        f"{_quantile(r.refused_ms, 0.5):,.1f} | {_quantile(r.refused_ms, 0.99):,.1f} | "
        f"{sum(v for k, v in r.errors.items()):,} | {ready_false:.0%} | {_quantile(r.lag_ms, 0.99):,.0f} |"
    )


async def _run(args: argparse.Namespace, url: str) -> list[LoadResult]:
    body = json.dumps({"texts": _texts(args.texts)}).encode()
    limits = httpx.Limits(max_connections=1000, max_keepalive_connections=1000)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        await _wait_ready(client, url, 120)
        await _capacity(client, url, body, args.concurrency, 2)  # warm-up: the cost model and caches
        capacity = await _capacity(client, url, body, args.concurrency, args.seconds)
        print(f"capacity: {capacity:,.1f} requests/s of {args.texts} texts (closed loop, {args.concurrency} clients)")
        results = []
        for multiple in (1, 2, 4):
            result = LoadResult(f"{multiple}x", capacity * multiple, args.seconds)
            await _open_loop(client, url, body, result)
            recovered = await _wait_ready(client, url)
            refusals = {f"{status} {reason}": n for (status, reason), n in result.statuses.items() if status != 200}
            print(f"{result.label}: {dict(refusals) or 'no refusals'}; errors {dict(result.errors) or 'none'}; "
                  f"ready again {recovered:.1f} s after the load stopped")  # fmt: skip
            results.append(result)
        return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of each load level (default 10)")
    parser.add_argument("--texts", type=int, default=64, help="notes per request (default 64, the batch limit)")
    parser.add_argument("--concurrency", type=int, default=8, help="clients of the capacity loop (default 8)")
    parser.add_argument("--wait-bound", type=float, default=1.0, help="serve.queue_max_wait_seconds (default 1)")
    args = parser.parse_args()

    port = _port()
    url = f"http://127.0.0.1:{port}"
    sink = tempfile.mkdtemp(prefix="vigil-load-sink-")
    env = dict(os.environ, VIGIL_SERVE_SINK_DIR=sink, VIGIL_LOG_LEVEL="WARNING",
               VIGIL_SERVE_QUEUE_MAX_WAIT_SECONDS=str(args.wait_bound))  # fmt: skip
    command = [sys.executable, "-m", "vigil.cli", "serve", "--port", str(port), "--workers", "1", "--allow-development"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        results = asyncio.run(_run(args, url))
    finally:
        server.terminate()
        server.wait(timeout=60)
    print()
    print(f"One worker, queue wait bound {args.wait_bound:g} s, {args.texts} texts per request, {args.seconds:g} s")
    print("per load. Latency is the client's, from its send; 'send lag' is how late the client sent against")
    print("its schedule (more than a few ms: the client, not the server, limited the load).")
    print()
    print(
        "| load | sent/s | sent | 200 | 200/s | p50 ms | p95 ms | p99 ms | 503 | 503 p50 ms | 503 p99 ms | errors "
        "| /ready 503 | send lag p99 ms |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for result in results:
        print(_row(result))


if __name__ == "__main__":
    main()

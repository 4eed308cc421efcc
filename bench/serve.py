"""Serving latency and throughput: `vigil serve` vs a no-op FastAPI route on the same server settings.

Needs the pipeline outputs (``make run``) and ``wrk`` (Debian package ``wrk``).
Both servers run on 127.0.0.1 with the same uvicorn settings (workers = cores,
uvloop, httptools, no access log); wrk runs in its own process. Each load is
bounded by a request count and a duration, whichever comes first:

* latency: 1 connection, sequential requests -> p50 / p95 / p99;
* throughput: 16 connections on 2 wrk threads -> requests/s.

    python bench/serve.py [--requests 200000] [--seconds 10]

Last lines: the table and ``rps ratio predict/noop: NN%``.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
TEXT = "Customer says brake pedal goes to the floor, fluid leaking at the rear caliper, ABS light on."
LUA = """
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY")
wrk.headers["Content-Type"] = "application/json"
local limit = tonumber(os.getenv("BENCH_LIMIT"))
local seen = 0
function response(status, headers, body)
  seen = seen + 1
  if seen >= limit then wrk.thread:stop() end
end
function done(summary, latency, requests)
  io.write(string.format('RESULT {"requests": %d, "seconds": %.3f, "p50_ms": %.3f, "p95_ms": %.3f, '
    .. '"p99_ms": %.3f, "non2xx": %d, "socket_errors": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(95) / 1e3,
    latency:percentile(99) / 1e3, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_ready(url: str, process: subprocess.Popen, path: str) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"server exited with {process.returncode}")
        try:
            if httpx.get(url + path, timeout=1).status_code in (200, 405):
                return
        except httpx.HTTPError:
            time.sleep(0.3)
    sys.exit(f"{url} not ready")


def _wrk(
    url: str, body: str, connections: int, threads: int, requests: int, seconds: int, script: Path, rate: bool = True
) -> dict:
    """One bounded wrk run. The count bound stops runaway loads; rates are only reported for runs that
    ended on the duration (wrk reports the full duration even when its threads stopped early)."""
    env = dict(os.environ, BENCH_BODY=body, BENCH_LIMIT=str(max(requests // threads, 1)))
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "-s", str(script), url]
    out = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    result = json.loads(next(line for line in out.splitlines() if line.startswith("RESULT "))[7:])
    if rate and result["requests"] >= requests:
        sys.exit(f"{url}: hit the {requests}-request bound before {seconds} s; raise --requests for a rate")
    result["rps"] = result["requests"] / result["seconds"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200_000, help="upper bound per load run")
    parser.add_argument("--seconds", type=int, default=10, help="duration of each load run")
    args = parser.parse_args()
    workers = str(os.cpu_count() or 1)
    common = [
        "--workers",
        workers,
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    vigil_port, noop_port = _port(), _port()
    env = dict(os.environ, VIGIL_MODEL_DIR="models/model", VIGIL_MANIFEST="reports/compliance/manifest.json",
               VIGIL_PARAMS="params.yaml", VIGIL_LOG_LEVEL="WARNING",
               VIGIL_ALLOW_DEVELOPMENT="1")  # a local run's development signature  # fmt: skip
    servers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "vigil.serving.app:app_from_env",
                "--factory",
                "--port",
                str(vigil_port),
                *common,
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),  # fmt: skip
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "serve_noop:app",
                "--app-dir",
                str(ROOT / "bench"),
                "--port",
                str(noop_port),
                *common,
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),  # fmt: skip
    ]
    try:
        _wait_ready(f"http://127.0.0.1:{vigil_port}", servers[0], "/ready")
        _wait_ready(f"http://127.0.0.1:{noop_port}", servers[1], "/noop")
        single = json.dumps({"text": TEXT})
        batch = json.dumps({"texts": [f"{TEXT} #{i}" for i in range(32)]})
        cases = [
            ("noop route", f"http://127.0.0.1:{noop_port}/noop", single),
            ("predict single", f"http://127.0.0.1:{vigil_port}/predict", single),
            ("predict batch-32", f"http://127.0.0.1:{vigil_port}/predict", batch),
        ]
        rows = []
        with tempfile.TemporaryDirectory() as folder:
            script = Path(folder) / "bench.lua"
            script.write_text(LUA)
            for name, url, body in cases:
                _wrk(url, body, 1, 1, 200, 5, script, rate=False)  # warm-up
                latency = _wrk(url, body, 1, 1, args.requests, args.seconds, script)
                load = _wrk(url, body, 16, 2, args.requests, args.seconds, script)
                rows.append((name, latency, load))
        print(f"{workers} worker(s); latency: 1 connection; throughput: 16 connections, 2 wrk threads")
        print(f"{'case':<18}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'req/s':>10}{'texts/s':>10}{'errors':>8}")
        for name, latency, load in rows:
            texts = load["rps"] * (32 if "batch" in name else 1)
            errors = latency["non2xx"] + latency["socket_errors"] + load["non2xx"] + load["socket_errors"]
            print(
                f"{name:<18}{latency['p50_ms']:>9.2f}{latency['p95_ms']:>9.2f}{latency['p99_ms']:>9.2f}"
                f"{load['rps']:>10.0f}{texts:>10.0f}{errors:>8}"
            )
        print(f"rps ratio predict/noop: {rows[1][2]['rps'] / rows[0][2]['rps']:.0%}")
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=20)


if __name__ == "__main__":
    main()

"""A real `vigil serve` process on 127.0.0.1 for the serving tests."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import httpx

from conftest import VENV_BIN, free_port, offline_env


class Service:
    """A `vigil serve` process; its combined output is kept for log assertions."""

    def __init__(self, repo: Path, log: Path, env: dict[str, str] | None = None, *extra: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log
        command = [
            str(VENV_BIN / "vigil"), "serve", "--port", str(self.port), "--workers", "1",
            "--model", str(repo / "models/model"), "--manifest", str(repo / "reports/compliance/manifest.json"),
            "--params", str(repo / "params.yaml"),
            "--anchors", str(repo / "policies/trust/signers.yaml"), "--allow-development",  # a local run's evidence
            *extra,
        ]  # fmt: skip
        self.sink = log.parent / f"{log.stem}-sink"
        self.handle = log.open("w")
        # no drain before shutdown unless a test asks for one: every stop would wait for it
        drain = {"VIGIL_SERVE_SHUTDOWN_DRAIN_SECONDS": "0"}
        environment = offline_env(VIGIL_SERVE_SINK_DIR=str(self.sink), **{**drain, **(env or {})})
        self.process = subprocess.Popen(
            command, cwd=repo, stdout=self.handle, stderr=subprocess.STDOUT, env=environment
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"service exited: {log.read_text()}")
            try:
                if httpx.get(f"{self.url}/ready", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise AssertionError("service did not become ready in 60 s")

    def stop(self) -> str:
        """SIGTERM: uvicorn finishes in-flight requests, shuts down, then re-raises the signal."""
        self.process.terminate()
        code = self.process.wait(timeout=20)
        self.handle.close()
        logs = self.log_path.read_text()
        assert code in (0, -signal.SIGTERM) and "Finished server process" in logs, (code, logs[-2000:])
        return logs

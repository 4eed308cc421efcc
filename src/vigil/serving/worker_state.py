"""Start-up outcomes of a multi-worker service, shared so that any worker's ``/ready`` can report them.

uvicorn restarts a worker that dies; when the replacement cannot start (its
model no longer matches the signed manifest, say), it fails again on every
restart while the surviving workers answer ``/ready`` 200 (6 failed restarts in
35 s went unnoticed). ``vigil serve --workers N`` gives its workers one state
directory: each records ``started-<pid>`` or ``failed-<pid>`` (with the one-line
reason), and while the newest record is a failure the service is not ready.
A later successful start (the problem fixed) makes it ready again.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

STATE_DIR_ENV = "VIGIL_WORKER_STATE_DIR"
KEEP_RECORDS = 20  # per kind; a crash loop must not fill the directory


def record_start(directory: Path, pid: int | None = None) -> None:
    _record(directory, "started", pid or os.getpid(), {})


def record_failure(directory: Path, reason: str, pid: int | None = None) -> None:
    _record(directory, "failed", pid or os.getpid(), {"reason": reason})


def start_failure(directory: Path) -> str | None:
    """The newest failure's sentence when it is newer than every successful start, else None."""
    newest: dict[str, tuple[int, Path]] = {}
    for path in directory.glob("*-*.json"):
        kind, stamp = path.name.split("-", 1)[0], _age(path)
        if not stamp:
            continue
        if kind not in newest or stamp > newest[kind][0]:
            newest[kind] = (stamp, path)
    failed, started = newest.get("failed"), newest.get("started")
    if failed is None or (started is not None and started[0] >= failed[0]):
        return None
    try:
        record = json.loads(failed[1].read_text("utf-8"))
    except (OSError, ValueError):
        return "a worker failed to start"
    when = time.strftime("%H:%M:%S", time.gmtime(record.get("time", 0)))
    return f"worker {record.get('pid')} failed to start at {when} UTC: {record.get('reason')}"


def _record(directory: Path, kind: str, pid: int, fields: dict[str, str]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{kind}-{pid}.json"
    partial = target.with_suffix(".tmp")
    partial.write_text(json.dumps({"pid": pid, "time": time.time(), **fields}), "utf-8")
    partial.replace(target)
    records = sorted(directory.glob(f"{kind}-*.json"), key=_age)
    for old in records[:-KEEP_RECORDS]:
        old.unlink(missing_ok=True)


def _age(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:  # pruned by another worker meanwhile: oldest
        return 0

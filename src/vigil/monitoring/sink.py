"""A rotating JSON Lines sink for prediction records and feedback (no text, ever).

Each worker process writes its own file (``<name>-<pid>.jsonl``), so several
workers never interleave partial lines; a file that reaches ``max_bytes`` is
renamed with a numeric suffix and at most ``backups`` old files are kept.
Readers (``vigil drift``) take every ``*.jsonl*`` file in the directory.

Per-process files outlive their process: every restart left a new set, and disk
use grew without bound. ``max_total_bytes`` caps all files of one name in the
directory, whoever wrote them: at start and at each rotation the oldest files are
removed until the total fits, except the files live workers are still writing
(deleting those would only hide their bytes behind an open handle).
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any, TextIO


class RotatingJsonlSink:
    """Appends one JSON object per line; the file stays open (an open/stat/close per record cost ~0.1 ms)."""

    def __init__(
        self,
        directory: str | os.PathLike[str],
        name: str,
        max_bytes: int,
        backups: int,
        max_total_bytes: int | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.path = self.directory / f"{name}-{os.getpid()}.jsonl"
        self.max_bytes, self.backups, self.max_total_bytes = max_bytes, backups, max_total_bytes
        self._lock = threading.Lock()
        self._handle: TextIO | None = None
        self._size = 0

    def write(self, record: dict[str, Any]) -> None:
        self.write_many([record])

    def write_many(self, records: list[dict[str, Any]]) -> None:
        """Append records in order with one flush (a batch request writes one line per text)."""
        lines = [json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n" for record in records]
        with self._lock:
            if self._handle is None or self._handle.closed:
                self._open()
            assert self._handle is not None
            for line in lines:
                size = len(line.encode("utf-8"))
                if self._size and self._size + size > self.max_bytes:
                    self._handle.flush()
                    self._rotate()
                self._handle.write(line)
                self._size += size
            self._handle.flush()  # on disk (the page cache) before the request is answered

    def close(self) -> None:
        with self._lock:
            if self._handle is not None:
                self._handle.close()

    def _open(self) -> None:
        self._handle = self.path.open("a", encoding="utf-8")
        self._size = self._handle.tell()
        if self.max_total_bytes is not None:
            enforce_total_cap(self.directory, self.name, self.max_total_bytes, keep=self.path)

    def _rotate(self) -> None:
        assert self._handle is not None
        self._handle.close()
        for index in range(self.backups - 1, 0, -1):
            older = self.path.with_name(f"{self.path.name}.{index}")
            if older.exists():
                older.replace(self.path.with_name(f"{self.path.name}.{index + 1}"))
        if self.backups > 0:
            self.path.replace(self.path.with_name(f"{self.path.name}.1"))
        else:
            self.path.unlink()
        self._open()


def pid_alive(pid: int) -> bool:
    """True while a process with this id exists (signal 0 checks without sending anything)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


def _live_current_file(path: Path, name: str) -> bool:
    """``<name>-<pid>.jsonl`` of a process that is still running (its writer holds it open)."""
    stem = path.name.removeprefix(f"{name}-").removesuffix(".jsonl")
    return path.name.endswith(".jsonl") and stem.isdigit() and pid_alive(int(stem))


def enforce_total_cap(directory: Path, name: str, max_total_bytes: int, keep: Path) -> list[Path]:
    """Remove the oldest ``<name>-*.jsonl*`` files until their total fits ``max_total_bytes``; returns the removed.

    ``keep`` (this process's own file) and the files of live writers are never removed,
    so the total can stay above the cap while they alone exceed it.
    """
    files = [p for p in directory.glob(f"{name}-*.jsonl*") if p.is_file()]
    total = sum(p.stat().st_size for p in files)
    removable = sorted(
        (p for p in files if p != keep and not _live_current_file(p, name)), key=lambda p: p.stat().st_mtime
    )
    removed = []
    for path in removable:
        if total <= max_total_bytes:
            break
        size = path.stat().st_size
        path.unlink(missing_ok=True)
        total -= size
        removed.append(path)
    return removed


def read_records(directory: str | os.PathLike[str], name: str) -> list[dict[str, Any]]:
    """Every record of every ``<name>-*.jsonl*`` file (a torn last line is skipped)."""
    records = []
    for path in sorted(Path(directory).glob(f"{name}-*.jsonl*")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return records

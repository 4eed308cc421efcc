"""A rotating JSON Lines sink for prediction records and feedback (no text, ever).

Each worker process writes its own file (``<name>-<pid>.jsonl``), so several
workers never interleave partial lines; a file that reaches ``max_bytes`` is
renamed with a numeric suffix and at most ``backups`` old files are kept.
Readers (``vigil drift``) take every ``*.jsonl*`` file in the directory.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any


class RotatingJsonlSink:
    def __init__(self, directory: str | os.PathLike[str], name: str, max_bytes: int, backups: int) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.path = self.directory / f"{name}-{os.getpid()}.jsonl"
        self.max_bytes, self.backups = max_bytes, backups
        self._lock = threading.Lock()

    def write(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"
        with self._lock:
            if self.path.exists() and self.path.stat().st_size + len(line) > self.max_bytes:
                self._rotate()
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(line)

    def _rotate(self) -> None:
        for index in range(self.backups - 1, 0, -1):
            older = self.path.with_name(f"{self.path.name}.{index}")
            if older.exists():
                older.replace(self.path.with_name(f"{self.path.name}.{index + 1}"))
        if self.backups > 0:
            self.path.replace(self.path.with_name(f"{self.path.name}.1"))
        else:
            self.path.unlink()


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

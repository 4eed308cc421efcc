"""Atomic writes: a stage either leaves a complete output or none at all.

Every output goes to a temporary sibling first and is renamed into place, so an
interrupted or failing stage never leaves a half-written file that DVC (or a
human) could mistake for a result.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the serving image has no pandas; only the pipeline writes Parquet
    import pandas as pd


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it over ``target`` on success.

    Works for files and directories; on error the temporary is removed and the
    previous ``target`` (if any) is left untouched.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    staged = tmp / target.name
    try:
        yield staged
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        os.replace(staged, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def write_text(target: str | os.PathLike[str], text: str) -> None:
    """Write UTF-8 text atomically."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")


def dumps_json(data: Any) -> str:
    """Stable, diff-friendly JSON: sorted keys, two-space indent, trailing newline."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"


def write_json(target: str | os.PathLike[str], data: Any) -> None:
    """Write JSON atomically (NaN is refused: it is not JSON and DVC cannot diff it)."""
    write_text(target, dumps_json(data))


def write_jsonl(target: str | os.PathLike[str], rows: list[dict[str, Any]]) -> None:
    """Write JSON Lines atomically."""
    write_text(target, "".join(json.dumps(row, sort_keys=True, ensure_ascii=False) + "\n" for row in rows))


def write_parquet(target: str | os.PathLike[str], frame: pd.DataFrame) -> None:
    """Write a Parquet file atomically, without the pandas index."""
    with atomic_path(target) as tmp:
        frame.to_parquet(tmp, index=False)

"""Canonical JSON for signed documents: one byte sequence per value.

A detached signature covers bytes, not meaning, so the manifest must have
exactly one serialisation: keys sorted, no insignificant whitespace, UTF-8,
no floats (their textual form differs between languages; RFC 8785 needs a
special algorithm for them, and the manifest has no use for them). For such
values this is the JSON Canonicalization Scheme (RFC 8785) output.
"""

from __future__ import annotations

import json
from typing import Any

from vigil.errors import VigilError


def _reject_floats(value: Any, path: str = "$") -> None:
    if isinstance(value, float):
        raise VigilError(f"canonical JSON: float at {path} (use a string or an integer)")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise VigilError(f"canonical JSON: non-string key at {path}")
            _reject_floats(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _reject_floats(item, f"{path}[{index}]")


def canonical_json(value: Any) -> bytes:
    """The canonical UTF-8 bytes of ``value`` (no trailing newline)."""
    _reject_floats(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def is_canonical(data: bytes) -> bool:
    """True when ``data`` parses and re-serialises to the same bytes."""
    try:
        return canonical_json(json.loads(data.decode("utf-8"))) == data
    except (ValueError, RecursionError, VigilError):  # RecursionError: hostile nesting depth
        return False

"""File digests of a model directory, checked before anything is deserialised.

``model.json`` lists the SHA-256 of every family file. Loading verifies them
first: a truncated copy, a missing file or a swapped pickle is refused with the
file named, instead of a confusing unpickling error or, worse, a silently
different model (and unpickling an unverified file is a code-execution risk).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from vigil.errors import VigilError
from vigil.hashing import sha256_file


def file_digests(directory: Path, names: Iterable[str]) -> dict[str, str]:
    return {name: sha256_file(directory / name) for name in sorted(names)}


def verify_files(directory: Path, expected: Mapping[str, str], against: str = "model.json") -> None:
    """Raise naming every missing or changed file; ``against`` names where ``expected`` came from."""
    problems = []
    for name, digest in sorted(expected.items()):
        path = directory / name
        if not path.is_file():
            problems.append(f"{path}: missing")
        elif sha256_file(path) != digest:
            problems.append(f"{path}: SHA-256 differs from {against} (modified or corrupted)")
    if problems:
        raise VigilError("model directory failed its integrity check: " + "; ".join(problems))

"""Content digests used for lineage (model.json) and, later, the signed manifest."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path

_CHUNK = 1 << 20


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file's bytes, streamed so large data files do not fill memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_tree(path: str | os.PathLike[str]) -> str:
    """Digest of a file, or of a directory as the sorted (relative path, file digest) list."""
    root = Path(path)
    if root.is_file():
        return sha256_file(root)
    return sha256_listing({p.relative_to(root).as_posix(): sha256_file(p) for p in root.rglob("*") if p.is_file()})


def sha256_listing(digests: Mapping[str, str]) -> str:
    """Digest of a set of files given as relative path -> SHA-256: the sorted ``path NUL sha256`` lines."""
    digest = hashlib.sha256()
    for relative in sorted(digests):
        digest.update(f"{relative}\0{digests[relative]}\n".encode())
    return digest.hexdigest()

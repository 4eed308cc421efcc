"""What ``dvc.lock`` says each output's bytes are, and whether fetched bytes agree.

``dvc.lock`` is in git, so at any revision it is the anchor for every
DVC-tracked output: files by their MD5, directories by the MD5 of their
listing (``<md5>.dir``). A DVC remote is only storage; ``dvc pull`` and
DVC's filesystem trust whatever bytes it returns. These functions recompute
the hashes of fetched files and directories the way DVC defines them
(dvc-data's ``Tree`` digest, so a directory hash is exactly DVC's) and name
every path whose bytes are not the locked ones.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from vigil.yaml_text import load_yaml

DIR_SUFFIX = ".dir"


@dataclass(frozen=True)
class LockedOutput:
    """One output of one stage as ``dvc.lock`` records it."""

    path: str
    md5: str
    stage: str

    @property
    def is_dir(self) -> bool:
        return self.md5.endswith(DIR_SUFFIX)


def locked_outputs(lock_text: str) -> dict[str, LockedOutput]:
    """Every stage output of ``dvc.lock`` with an MD5, by path."""
    document = load_yaml(lock_text) or {}
    outputs: dict[str, LockedOutput] = {}
    for stage, entry in (document.get("stages") or {}).items():
        for out in (entry or {}).get("outs") or []:
            if isinstance(out, Mapping) and out.get("md5") and out.get("path"):
                outputs[str(out["path"])] = LockedOutput(str(out["path"]), str(out["md5"]), str(stage))
    return outputs


def bytes_md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def file_md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def listing_md5(files: Mapping[str, str]) -> str:
    """DVC's directory hash of ``{path relative to the directory: md5}``."""
    from dvc_data.hashfile.hash_info import HashInfo
    from dvc_data.hashfile.meta import Meta
    from dvc_data.hashfile.tree import Tree

    tree = Tree()
    for relative, md5 in sorted(files.items()):
        tree.add(PurePosixPath(relative).parts, Meta(), HashInfo("md5", md5))
    tree.digest()
    return str(tree.hash_info.value)


def directory_md5s(root: Path, directory: str) -> dict[str, str]:
    """``{relative path: md5}`` of every file under ``root/directory``."""
    base = root / directory
    return {p.relative_to(base).as_posix(): file_md5(p) for p in sorted(base.rglob("*")) if p.is_file()}


def owner(path: str, outputs: Iterable[str]) -> str | None:
    """The locked output ``path`` is (or is inside), if any."""
    for out in outputs:
        if path == out or path.startswith(f"{out}/"):
            return out
    return None


def mismatches(
    root: Path, outputs: Mapping[str, LockedOutput], checked: Iterable[str], listings: Mapping[str, Mapping[str, str]]
) -> list[str]:
    """Reasons, one per path, why files under ``root`` are not the bytes ``outputs`` records.

    ``checked`` are the locked outputs to compare (files or whole
    directories present under ``root``). ``listings`` are the per-file MD5s a
    DVC remote claims for a directory; a listing is believed only when its
    own hash is the locked one, and then names the changed files.
    """
    problems: list[str] = []
    for path in sorted(set(checked)):
        out = outputs[path]
        if not out.is_dir:
            actual = file_md5(root / path)
            if actual != out.md5:
                problems.append(f"{path}: MD5 {actual}, dvc.lock records {out.md5}")
            continue
        actual_files = directory_md5s(root, path)
        if listing_md5(actual_files) == out.md5:
            continue
        claimed = listings.get(path) or {}
        if claimed and listing_md5(claimed) == out.md5:
            changed = sorted(
                name for name in set(claimed) | set(actual_files) if claimed.get(name) != actual_files.get(name)
            )
            problems.extend(
                f"{path}/{name}: MD5 {actual_files.get(name, 'missing')}, dvc.lock records "
                f"{claimed.get(name, 'no such file')}"
                for name in changed
            )
        else:
            problems.append(f"{path}/: directory hash differs from dvc.lock's {out.md5}")
    return problems

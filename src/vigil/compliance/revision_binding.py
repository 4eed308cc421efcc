"""Bind evidence to one state of the repository: its commit, its ``dvc.lock`` and its ``params.yaml``.

A signed manifest is self-consistent by construction; on its own it proves
nothing about *which* pipeline state it describes (v1's evidence next to
v2's ``dvc.lock`` verified before this check existed). The manifest names
the commit it was computed at, the digest of ``dvc.lock``'s upstream stages
and the digest of ``params.yaml``; this module compares them with a
revision read from git (``--rev``), or with the files beside the evidence
(a working tree or a retrieved tree).

The commit may be the revision itself or one of its ancestors: a run is
committed *after* it ran, so evidence recorded at commit C was computed at
C's parent (or earlier, when later commits did not touch the pipeline: the
lock and params digests decide that).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vigil.compliance.git_objects import git_readers, run_git
from vigil.compliance.manifest import lock_stages_digest
from vigil.errors import VigilError

LOCK_FILE = "dvc.lock"
PARAMS_FILE = "params.yaml"


@dataclass(frozen=True)
class RevisionBinding:
    """The repository state evidence must belong to."""

    label: str
    lock_text: str | None
    params_sha256: str | None
    commit: str | None = None
    is_ancestor: Callable[[str], bool] | None = None


def ancestry(root: Path, descendant: str) -> Callable[[str], bool]:
    """``is_ancestor(commit)`` for ``descendant`` in the git repository at ``root``."""

    def is_ancestor(commit: str) -> bool:
        return run_git(root, "merge-base", "--is-ancestor", commit, descendant).returncode == 0

    return is_ancestor


def resolve_commit(root: Path, rev: str) -> str:
    """Full commit id of ``rev`` (a tag, branch or commit) in the repository at ``root``."""
    done = run_git(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    if done.returncode != 0:
        raise VigilError(f"unknown revision {rev!r} in {root}")
    return done.stdout.decode().strip()


def git_toplevel(path: Path) -> Path | None:
    """The work tree containing ``path``, or None outside git."""
    start = path if path.is_dir() else path.parent
    done = run_git(start, "rev-parse", "--show-toplevel")
    return Path(done.stdout.decode().strip()).resolve() if done.returncode == 0 else None


def from_revision(root: Path, rev: str) -> RevisionBinding:
    """The binding of revision ``rev`` of the repository at ``root``, read from git, not the working tree."""
    commit = resolve_commit(root, rev)
    read_file, _ = git_readers(root, commit)
    lock, params = read_file(LOCK_FILE), read_file(PARAMS_FILE)
    return RevisionBinding(
        label=f"revision {rev} ({commit[:12]})",
        lock_text=lock.decode("utf-8") if lock is not None else None,
        params_sha256=hashlib.sha256(params).hexdigest() if params is not None else None,
        commit=commit,
        is_ancestor=ancestry(root, commit),
    )


def from_tree(root: Path) -> RevisionBinding | None:
    """The files beside the evidence: a working tree (with its HEAD) or a retrieved tree (files only)."""
    lock, params = root / LOCK_FILE, root / PARAMS_FILE
    if not lock.is_file():
        return None
    top = git_toplevel(root)
    commit = None
    if top == root.resolve():
        done = run_git(root, "rev-parse", "--verify", "--quiet", "HEAD")
        commit = done.stdout.decode().strip() if done.returncode == 0 else None
    return RevisionBinding(
        label=f"the working tree at {root}" if commit else f"the files beside the evidence in {root}",
        lock_text=lock.read_text("utf-8"),
        params_sha256=hashlib.sha256(params.read_bytes()).hexdigest() if params.is_file() else None,
        commit=commit,
        is_ancestor=ancestry(root, commit) if commit else None,
    )


def binding_problems(manifest: Mapping[str, Any], binding: RevisionBinding) -> tuple[list[str], str]:
    """What in the manifest contradicts ``binding``, and a sentence on what agrees."""
    problems: list[str] = []
    signed_lock = (manifest.get("dvc_lock") or {}).get("stages_sha256")
    if binding.lock_text is None:
        problems.append(f"{binding.label} has no {LOCK_FILE}")
    elif lock_stages_digest(binding.lock_text) != signed_lock:
        problems.append(f"{LOCK_FILE} of {binding.label} is not the pipeline state the manifest signed")
    if binding.params_sha256 is None:
        problems.append(f"{binding.label} has no {PARAMS_FILE}")
    elif binding.params_sha256 != manifest.get("params_sha256"):
        problems.append(f"{PARAMS_FILE} of {binding.label} differs from the one the manifest signed")
    commit = (manifest.get("git") or {}).get("commit")
    relation = "commit not checked (not a git checkout)"
    if binding.commit:
        if not isinstance(commit, str) or not commit:
            problems.append("the manifest names no commit")
        elif commit == binding.commit:
            relation = f"computed at that commit ({commit[:12]})"
        elif binding.is_ancestor and binding.is_ancestor(commit):
            relation = f"computed at {commit[:12]}, an ancestor of {binding.commit[:12]}"
        else:
            problems.append(f"computed at {commit[:12]}, which is not {binding.commit[:12]} or one of its ancestors")
    return problems, f"{LOCK_FILE} and {PARAMS_FILE} of {binding.label} match; {relation}"

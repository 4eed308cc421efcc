"""``vigil retrieve``: fetch the evidence of any git revision from the DVC remote, checked against git.

An auditor names a revision (tag, branch or commit). DVC's filesystem reads
that revision: git-tracked files from git, DVC-tracked ones from the
revision's DVC remote (the default local directory, or S3 via ``dvc-s3``).
The remote is storage, not an authority, so before anything fetched is
believed:

1. the revision's ``dvc.lock`` (from git) must still describe the revision
   (:mod:`~vigil.compliance.staleness`: code, data pointers or parameters
   changed without a re-run make its evidence the evidence of something else);
2. the evidence directory is fetched whole and its bytes must hash to the
   MD5 that ``dvc.lock`` records for it; only then is its manifest read;
3. every artifact the manifest lists is fetched (output directories whole)
   and checked the same way, naming each file whose bytes differ.

The caller then verifies signatures, anchors and the binding to the
revision (:func:`~vigil.compliance.verification.verify_evidence` with the
returned :class:`~vigil.compliance.revision_binding.RevisionBinding`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vigil.compliance.git_objects import git_readers
from vigil.compliance.lock_hashes import locked_outputs, mismatches, owner
from vigil.compliance.manifest import MANIFEST
from vigil.compliance.revision_binding import LOCK_FILE, PARAMS_FILE, RevisionBinding, ancestry
from vigil.compliance.staleness import external_dependencies, stale_entries
from vigil.compliance.verification import DEFAULT_EVIDENCE_DIR, MAX_BYTES, Check, unsafe_path_reason
from vigil.errors import VigilError
from vigil.io import atomic_path
from vigil.log import get_logger


@dataclass(frozen=True)
class Retrieved:
    """Where the evidence landed, what it must be bound to, and the checks made while fetching."""

    evidence: Path | None
    binding: RevisionBinding | None
    checks: list[Check]


def _fetch(fs: Any, source: str, target: Path, rev: str) -> None:
    """One file of revision ``rev``; DVC's errors become one-line messages naming the file."""
    from dvc.exceptions import DvcException

    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        fs.get_file(source, str(target))
    except FileNotFoundError:
        raise VigilError(f"{source}: not in revision {rev!r}, or not pushed to its DVC remote") from None
    except (DvcException, OSError) as exc:
        raise VigilError(f"{source}: could not be fetched from the DVC remote ({type(exc).__name__}: {exc})") from None


def _fetch_directory(fs: Any, directory: str, staged: Path, rev: str) -> dict[str, str]:
    """Every file of a DVC output directory; returns the per-file MD5s the remote's listing claims."""
    from dvc.exceptions import DvcException
    from dvc_data.index.index import DataIndexError

    try:
        entries = fs.find(directory, detail=True)
    except DataIndexError:
        # dvc-data could not load the directory's listing (its .dir object) from the cache or the remote
        raise VigilError(
            f"{directory}/ of revision {rev!r} is not in the DVC remote: was `dvc push` run after that commit? "
            "(`dvc push` from a clone that has the outputs uploads them)"
        ) from None
    except (DvcException, OSError) as exc:
        raise VigilError(f"{directory}/: not listable at {rev!r} ({type(exc).__name__}: {exc})") from None
    if not entries:
        raise VigilError(f"{directory}/: not in revision {rev!r}, or not pushed to its DVC remote")
    claimed = {}
    for name, info in sorted(entries.items()):
        relative = name[len(directory) + 1 :]
        _fetch(fs, name, staged / name, rev)
        md5 = (info.get("dvc_info") or {}).get("md5") or info.get("md5")
        if md5:
            claimed[relative] = str(md5)
    return claimed


def _open(repo: str, rev: str, remote: str | None, remote_config: dict[str, Any] | None) -> Any:
    from dvc.api import DVCFileSystem
    from dvc.exceptions import DvcException
    from dvc.scm import RevError

    try:
        fs = DVCFileSystem(repo, rev=rev, remote=remote, remote_config=remote_config)
        fs.repo.get_rev()  # resolves the revision now, so a bad one fails here with its name
        return fs
    except RevError:
        raise VigilError(f"unknown revision {rev!r}") from None
    except (DvcException, OSError) as exc:
        raise VigilError(f"{repo}: cannot open revision {rev!r} ({type(exc).__name__}: {exc})") from None


def retrieve(
    repo: str,
    rev: str,
    out: Path,
    remote: str | None = None,
    remote_config: dict[str, Any] | None = None,
    evidence_dir: str = DEFAULT_EVIDENCE_DIR,
) -> Retrieved:
    """Fetch and hash-check revision ``rev``'s evidence and every artifact its manifest lists into ``out``.

    Nothing is left in ``out`` when a check fails: the failing checks are
    returned with ``evidence=None``.
    """
    log = get_logger("compliance.retrieve")
    if out.exists() and any(out.iterdir()):
        raise VigilError(f"{out}: output directory exists and is not empty")
    fs = _open(repo, rev, remote, remote_config)
    commit = str(fs.repo.get_rev())
    git_root = Path(fs.repo.scm.root_dir)
    read_file, list_dir = git_readers(git_root, commit)
    lock = read_file(LOCK_FILE)
    if lock is None:
        raise VigilError(f"revision {rev!r} has no {LOCK_FILE}: no pipeline ran there")
    lock_text = lock.decode("utf-8")
    params = read_file(PARAMS_FILE)
    binding = RevisionBinding(
        label=f"revision {rev} ({commit[:12]})",
        lock_text=lock_text,
        params_sha256=hashlib.sha256(params).hexdigest() if params is not None else None,
        commit=commit,
        is_ancestor=ancestry(git_root, commit),
    )
    stale = stale_entries(lock_text, read_file, list_dir, params.decode("utf-8") if params else None)
    if stale:
        detail = f"dvc.lock at {rev} does not describe that revision ({len(stale)}): " + "; ".join(stale[:10])
        return Retrieved(None, binding, [Check("revision state", False, detail)])
    outputs = locked_outputs(lock_text)
    if evidence_dir not in outputs:
        raise VigilError(f"{evidence_dir} is not a locked output at {rev!r}: no evidence was recorded there")

    with atomic_path(out) as staged:
        staged.mkdir()
        listings = {evidence_dir: _fetch_directory(fs, evidence_dir, staged, rev)}
        problems = mismatches(staged, outputs, [evidence_dir], listings)
        if problems:
            raise _Refused(problems)
        manifest_path = staged / evidence_dir / MANIFEST
        if manifest_path.stat().st_size > MAX_BYTES[MANIFEST]:
            raise _Refused([f"{evidence_dir}/{MANIFEST}: over the {MAX_BYTES[MANIFEST]}-byte limit"])
        try:
            manifest = json.loads(manifest_path.read_bytes())
        except (ValueError, RecursionError):
            raise VigilError(f"{evidence_dir}/{MANIFEST} at {rev!r} is not readable JSON") from None
        if not isinstance(manifest, dict) or not isinstance(manifest.get("artifacts"), list):
            raise VigilError(f"{evidence_dir}/{MANIFEST} at {rev!r} has no artifact list")
        checked = {evidence_dir}
        for entry in manifest["artifacts"]:
            raw = entry.get("path") if isinstance(entry, dict) else None
            reason = unsafe_path_reason(raw)
            if reason:
                raise _Refused([f"{MANIFEST}: artifact path {raw!r} refused ({reason})"])
            relative = str(raw)
            producer = owner(relative, outputs)
            if producer and outputs[producer].is_dir:
                if producer not in listings:
                    listings[producer] = _fetch_directory(fs, producer, staged, rev)
            elif not (staged / relative).exists():
                _fetch(fs, relative, staged / relative, rev)
            if producer:
                checked.add(producer)
        problems = mismatches(staged, outputs, checked, listings)
        if problems:
            raise _Refused(problems)
        (staged / LOCK_FILE).write_bytes(lock)
        log.info("evidence retrieved", extra={"rev": rev, "commit": commit, "lock_checked_outputs": len(checked)})
    external = external_dependencies(lock_text)
    unchecked = (
        f"; not checkable from git, recorded by their locked hash only: {', '.join(external)}" if external else ""
    )
    lock_check = Check(
        "dvc.lock hashes",
        True,
        f"{len(checked)} locked outputs fetched from the DVC remote have the MD5 dvc.lock records at {rev}; "
        f"dvc.lock still describes that revision's code, data pointers and parameters{unchecked}",
    )
    return Retrieved(out / evidence_dir, binding, [lock_check])


class _Refused(VigilError):
    """Fetched bytes that are not the locked ones (the staging directory is discarded)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def retrieve_checked(
    repo: str, rev: str, out: Path, remote: str | None = None, remote_config: dict[str, Any] | None = None
) -> Retrieved:
    """:func:`retrieve`, with bytes that differ from ``dvc.lock`` reported as a failed check, not an error."""
    try:
        return retrieve(repo, rev, out, remote, remote_config)
    except _Refused as refused:
        detail = f"the DVC remote returned bytes dvc.lock at {rev} does not record: " + "; ".join(refused.problems)
        return Retrieved(None, None, [Check("dvc.lock hashes", False, detail)])

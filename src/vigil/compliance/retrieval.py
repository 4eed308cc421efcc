"""``vigil retrieve``: fetch the evidence of any git revision from the DVC remote, then verify it.

An auditor names a revision (tag, branch or commit). DVC's filesystem reads
that revision of the repository: files tracked by git come from git, the
evidence directory and the other DVC-tracked artifacts come from the
revision's DVC remote (the default local directory, or S3 via ``dvc-s3``).
The manifest decides what else to fetch, so the retrieved tree has exactly
the files the signature vouches for, at the paths it names. Finally the
revision's ``dvc.lock`` is checked against the digest the manifest carries,
binding the evidence to that revision's pipeline.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from vigil.compliance.manifest import MANIFEST, SIGNATURE, SIGNER_CERT, lock_stages_digest
from vigil.compliance.verification import DEFAULT_EVIDENCE_DIR, PDF_NAME, Check
from vigil.errors import VigilError
from vigil.io import atomic_path
from vigil.log import get_logger

EVIDENCE_FILES = (MANIFEST, SIGNATURE, SIGNER_CERT, PDF_NAME)


def _fetch(fs: Any, source: str, target: Path, rev: str) -> None:
    """One file of revision ``rev``; DVC's errors become one-line messages naming the file."""
    from dvc.exceptions import DvcException
    from dvc.scm import RevError

    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        fs.get_file(source, str(target))
    except RevError:
        raise VigilError(f"unknown revision {rev!r}") from None
    except FileNotFoundError:
        raise VigilError(f"{source}: not in revision {rev!r}, or not pushed to its DVC remote") from None
    except (DvcException, OSError) as exc:
        raise VigilError(f"{source}: could not be fetched from the DVC remote ({type(exc).__name__}: {exc})") from None


def retrieve(
    repo: str,
    rev: str,
    out: Path,
    remote: str | None = None,
    remote_config: dict[str, Any] | None = None,
    evidence_dir: str = DEFAULT_EVIDENCE_DIR,
) -> tuple[Path, list[Check]]:
    """Fetch revision ``rev``'s evidence and every artifact its manifest lists into ``out``.

    Returns the evidence directory inside ``out`` and the lineage check (the
    revision's dvc.lock against the manifest); the caller then runs
    :func:`~vigil.compliance.verification.verify_evidence` on it.
    """
    log = get_logger("compliance.retrieve")
    if out.exists() and any(out.iterdir()):
        raise VigilError(f"{out}: output directory exists and is not empty")
    from dvc.api import DVCFileSystem

    fs = DVCFileSystem(repo, rev=rev, remote=remote, remote_config=remote_config)
    with atomic_path(out) as staged:
        staged.mkdir()
        for name in EVIDENCE_FILES:
            _fetch(fs, f"{evidence_dir}/{name}", staged / evidence_dir / name, rev)
        manifest = json.loads((staged / evidence_dir / MANIFEST).read_bytes())
        paths = [str(a["path"]) for a in manifest.get("artifacts", []) if isinstance(a, dict) and "path" in a]
        for relative in paths:
            if Path(relative).is_absolute() or ".." in Path(relative).parts:
                raise VigilError(f"{MANIFEST}: artifact path {relative!r} escapes the repository")
            target = staged / relative
            if not target.exists():
                _fetch(fs, relative, target, rev)
        _fetch(fs, "dvc.lock", staged / "dvc.lock", rev)
        log.info("evidence retrieved", extra={"rev": rev, "files": len(paths) + 2})
    lock_digest = lock_stages_digest((out / "dvc.lock").read_text("utf-8"))
    expected = (manifest.get("dvc_lock") or {}).get("stages_sha256")
    lineage = Check(
        "revision lineage",
        lock_digest == expected,
        f"dvc.lock at {rev} matches the manifest's pipeline digest"
        if lock_digest == expected
        else f"dvc.lock at {rev} does not match the manifest (evidence belongs to another pipeline state)",
    )
    return out / evidence_dir, [lineage]

"""Refuse to serve a model directory that is not the one the signed manifest describes.

``load_model`` already checks each file against ``model.json``; this adds the
release's view: every ``models/model/*`` entry of ``manifest.json`` must
match the directory byte for byte, and the directory holds nothing else. The
manifest's own signature and signer are checked first (``manifest_trust``).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from vigil.errors import VigilError
from vigil.hashing import sha256_file

MODEL_PREFIX = "models/model/"


def check_model_against_manifest(model_dir: Path, manifest_path: Path) -> str:
    """Raise naming every difference; return the manifest's SHA-256 (reported as ``manifest_digest``)."""
    try:
        raw = manifest_path.read_bytes()
        manifest = json.loads(raw)
    except (OSError, ValueError) as exc:
        raise VigilError(f"{manifest_path}: cannot read the manifest ({exc})") from None
    listed = {
        entry["path"][len(MODEL_PREFIX) :]: entry["sha256"]
        for entry in manifest.get("artifacts", [])
        if isinstance(entry, dict) and str(entry.get("path", "")).startswith(MODEL_PREFIX)
    }
    if not listed:
        raise VigilError(f"{manifest_path}: lists no {MODEL_PREFIX} files")
    present = {p.relative_to(model_dir).as_posix() for p in model_dir.rglob("*") if p.is_file()}
    problems = [f"{name}: missing" for name in sorted(set(listed) - present)]
    problems += [f"{name}: not in the manifest" for name in sorted(present - set(listed))]
    problems += [
        f"{name}: SHA-256 differs from the manifest"
        for name in sorted(set(listed) & present)
        if sha256_file(model_dir / name) != listed[name]
    ]
    if problems:
        raise VigilError(f"{model_dir} does not match {manifest_path}: " + "; ".join(problems))
    return hashlib.sha256(raw).hexdigest()

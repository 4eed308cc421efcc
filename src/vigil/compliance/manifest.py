"""The evidence manifest: what was built, from what, by which tools, signed as one document.

It lists the SHA-256 of every artifact of the run (data after scrubbing,
model files, every report, the signed PDF and the PR summary), so one
detached signature over the manifest vouches for all of them. Raw inputs
(personal data before scrubbing, the gold PII spans, the re-identification
vault) are deliberately *not* listed: an auditor retrieving the evidence
must not receive personal data. They stay identified by their DVC hashes in
``dvc.lock``, whose digest the manifest carries.
"""

from __future__ import annotations

import hashlib
import platform
import subprocess
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from vigil import __version__
from vigil.compliance.canonical import canonical_json
from vigil.errors import VigilError
from vigil.hashing import sha256_file
from vigil.yaml_text import load_yaml

SCHEMA = "vigil.manifest/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
SIGNER_CERT = "signer.pem"
REPORT_STAGE = "report"
# Sources a run's result depends on, hashed beside the outputs.
SOURCE_FILES = ("params.yaml", "dvc.yaml")
TOOLS = (
    "dvc",
    "scikit-learn",
    "numpy",
    "pandas",
    "presidio-analyzer",
    "presidio-anonymizer",
    "spacy",
    "fairlearn",
    "torch",
    "transformers",
    "onnxruntime",
    "weasyprint",
    "pyHanko",
    "cryptography",
)


def _output_paths(entries: Iterable[Any] | None) -> list[str]:
    paths = []
    for entry in entries or []:
        if isinstance(entry, str):
            paths.append(entry)
        elif isinstance(entry, Mapping):
            paths.extend(str(key) for key in entry)
    return paths


def stage_outputs(dvc_yaml: Mapping[str, Any], skip_stage: str = REPORT_STAGE) -> list[str]:
    """Every ``outs``/``metrics``/``plots`` path declared by the stages other than ``skip_stage``."""
    paths: list[str] = []
    for name, stage in (dvc_yaml.get("stages") or {}).items():
        if name == skip_stage or not isinstance(stage, Mapping):
            continue
        for key in ("outs", "metrics", "plots"):
            paths.extend(_output_paths(stage.get(key)))
    return paths


def expand_files(root: Path, paths: Iterable[str], exclude: Iterable[str]) -> list[str]:
    """Files under ``paths`` (directories expanded), relative POSIX paths, sorted, minus ``exclude``."""
    excluded = {Path(p).as_posix() for p in exclude}
    files: set[str] = set()
    for relative in paths:
        path = root / relative
        if not path.exists():
            raise VigilError(f"{relative}: declared stage output is missing (run the upstream stages first)")
        candidates = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        for file in candidates:
            name = file.relative_to(root).as_posix()
            if name not in excluded and not any(name.startswith(f"{e}/") for e in excluded):
                files.add(name)
    return sorted(files)


def artifact_kind(path: str) -> str:
    """Coarse category shown in the report's lineage table."""
    if path.startswith("data/"):
        return "data"
    if path.startswith("models/"):
        return "model"
    if path.startswith("reports/compliance/"):
        return "evidence"
    if path.startswith("reports/"):
        return "report"
    return "source"


def describe_bytes(path: str, data: bytes) -> dict[str, Any]:
    """``{path, kind, bytes, sha256}`` of content not (yet) on disk."""
    return {"path": path, "kind": artifact_kind(path), "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def describe_files(root: Path, files: Iterable[str]) -> list[dict[str, Any]]:
    """``{path, kind, bytes, sha256}`` for each file."""
    return [
        {
            "path": name,
            "kind": artifact_kind(name),
            "bytes": (root / name).stat().st_size,
            "sha256": sha256_file(root / name),
        }
        for name in files
    ]


def lock_stages_digest(lock_text: str, skip_stage: str = REPORT_STAGE) -> str:
    """SHA-256 of the canonical JSON of ``dvc.lock``'s stages other than ``skip_stage``.

    The report stage's own lock entry is written after it runs, so it cannot be
    part of what it signs; every upstream stage's command, dependencies, params
    and output hashes are, and they identify the raw data too.
    """
    document = load_yaml(lock_text) or {}
    stages = {k: v for k, v in (document.get("stages") or {}).items() if k != skip_stage}
    return hashlib.sha256(canonical_json(_floats_as_text(stages))).hexdigest()


def _floats_as_text(value: Any) -> Any:
    """Params in dvc.lock may be floats; canonical JSON carries them as their YAML text."""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Mapping):
        return {str(k): _floats_as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_floats_as_text(v) for v in value]
    return value


def git_state(root: Path, sources: Iterable[str]) -> dict[str, Any]:
    """Commit the run started from, and which tracked sources had uncommitted changes."""

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True, timeout=30)
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout

    commit = git("rev-parse", "HEAD")
    changed = git("status", "--porcelain=v1", "-z", "--untracked-files=no", "--", *sources)
    return {
        "commit": commit.strip() if commit else None,
        "uncommitted_sources": porcelain_paths(changed or ""),
    }


def porcelain_paths(status_z: str) -> list[str]:
    """Paths in ``git status --porcelain=v1 -z`` output, sorted.

    Each entry is ``XY PATH``; the two status columns may be blank (" M"), so
    the output must never be stripped before slicing (that turned
    " M params.yaml" into "arams.yaml"). A rename or copy is followed by its
    original path as a separate entry, which is skipped.
    """
    entries = status_z.split("\0")
    paths, index = [], 0
    while index < len(entries):
        entry = entries[index]
        index += 1
        if len(entry) < 4:
            continue
        paths.append(entry[3:])
        if entry[0] in "RC" or entry[1] in "RC":
            index += 1
    return sorted(paths)


def tool_versions() -> dict[str, str]:
    """Versions of Python, Vigil and the libraries that shaped the result (installed ones only)."""
    versions = {"python": platform.python_version(), "vigil": __version__}
    for name in TOOLS:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def build_manifest(
    root: Path,
    artifacts: list[dict[str, Any]],
    *,
    created_utc: str,
    signer: Mapping[str, Any],
    verdict: str,
    evidence_dir: str,
    git: Mapping[str, Any],
) -> dict[str, Any]:
    """The manifest document (serialise with :func:`~vigil.compliance.canonical.canonical_json`)."""
    lock = root / "dvc.lock"
    lock_text = lock.read_text(encoding="utf-8") if lock.exists() else ""
    return {
        "schema": SCHEMA,
        "created_utc": created_utc,
        "git": dict(git),
        "dvc_lock": {
            "stages_sha256": lock_stages_digest(lock_text),
            "excludes_stage": REPORT_STAGE,
        },
        "params_sha256": sha256_file(root / "params.yaml"),
        "signer": dict(signer),
        "tools": tool_versions(),
        "platform": f"{platform.system()} {platform.machine()}",
        "verdict": verdict,
        "evidence_dir": evidence_dir,
        "artifacts": artifacts,
    }

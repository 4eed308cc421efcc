"""Which model a scoring run may use: the directory the signed manifest lists, checked again where it is loaded.

The driver checks the manifest's signer and the directory against the manifest's
hashes before anything else (as ``vigil serve`` does). Every process that loads
the model -- each Spark executor included, which gets its own copy of the files --
checks that copy against the same hashes first: a copy altered or truncated on its
way to an executor is refused with the file named, never unpickled.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from vigil.errors import VigilError
from vigil.modeling import load_model
from vigil.modeling.integrity import verify_files
from vigil.modeling.predictor import Predictor
from vigil.serving.manifest_trust import ManifestTrust, check_manifest_signer
from vigil.serving.model_check import MODEL_PREFIX, check_model_against_manifest


def released_model_digests(model_dir: Path, manifest: Path, trust: ManifestTrust) -> dict[str, str]:
    """The manifest's SHA-256 of every model file, once its signer and the directory have passed."""
    check_manifest_signer(manifest, trust)
    check_model_against_manifest(model_dir, manifest)
    entries = json.loads(manifest.read_bytes())["artifacts"]
    return {
        entry["path"][len(MODEL_PREFIX) :]: entry["sha256"]
        for entry in entries
        if str(entry.get("path", "")).startswith(MODEL_PREFIX)
    }


def load_checked(model_dir: Path, digests: Mapping[str, str]) -> Predictor:
    """Verify ``model_dir`` against the manifest's ``digests``, then load it (which checks model.json's own)."""
    if not digests:
        raise VigilError(f"{model_dir}: no manifest digests to check the model against")
    verify_files(model_dir, digests, against="the signed manifest")
    return load_model(model_dir)

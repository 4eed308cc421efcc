"""Who signed the manifest the service is about to trust: checked against the pinned anchors first.

The model check (``model_check``) compares the model directory with the
manifest's hashes, which only helps if the manifest itself is the released
one: an edited, unsigned ``manifest.json`` listing a changed model's hashes
used to start a service on the changed model without a word. Now, before any
model file is read, ``manifest.sig`` must verify ``manifest.json`` with
``signer.pem``, and that signer must be anchored for releases in
``policies/trust/signers.yaml`` (the image carries the anchors of the commit it
was built from) for the manifest's signing date, exactly as ``vigil verify
--role release`` judges it. A development signature (a local ``make run``) is
accepted only with ``--allow-development``, and the log says so.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from vigil.compliance.signed_manifest import read_signed_manifest, signed_at
from vigil.compliance.trust import ANCHORS_PATH, describe, judge_signer, parse_anchors
from vigil.errors import VigilError

RELEASE_ROLE = "release"
ANCHORS_ENV = "VIGIL_ANCHORS"  # how `vigil serve` tells its workers
ALLOW_DEVELOPMENT_ENV = "VIGIL_ALLOW_DEVELOPMENT"


@dataclass(frozen=True)
class ManifestTrust:
    """Where the anchors are, and whether a development signature may start the service."""

    anchors: Path = Path(ANCHORS_PATH)
    allow_development: bool = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> ManifestTrust:
        return cls(Path(environ.get(ANCHORS_ENV) or ANCHORS_PATH), environ.get(ALLOW_DEVELOPMENT_ENV) == "1")

    def to_env(self) -> dict[str, str]:
        return {ANCHORS_ENV: str(self.anchors), ALLOW_DEVELOPMENT_ENV: "1" if self.allow_development else "0"}


def check_manifest_signer(manifest_path: Path, trust: ManifestTrust) -> str:
    """The sentence saying who signed and why that is accepted; VigilError naming the problem otherwise."""
    signed = read_signed_manifest(manifest_path.parent)
    if not signed.signed:
        raise VigilError(
            f"{manifest_path.parent}/manifest.sig does not verify {manifest_path.name} with signer.pem: "
            "the manifest or its signature was changed after signing; refusing to serve"
        )
    try:
        created = json.loads(signed.raw).get("created_utc")
    except ValueError:
        raise VigilError(f"{manifest_path}: signed, but not JSON") from None
    store = None
    if trust.anchors.is_file():
        root = trust.anchors.parent.parent.parent  # policies/trust/signers.yaml -> the repository or image root
        store = parse_anchors(trust.anchors.read_bytes(), lambda rel: (root / rel).read_bytes(), str(trust.anchors))
    judgement = judge_signer(
        signed.certificate,
        signed_at(created),
        store,
        allow_development=trust.allow_development,
        role=RELEASE_ROLE,
    )
    if not judgement.ok:
        raise VigilError(f"{manifest_path}: signer {describe(signed.certificate)} refused: {judgement.detail}")
    return f"{describe(signed.certificate)}: {judgement.detail}"

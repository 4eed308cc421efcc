"""An evidence directory's signed manifest: its three files, read within size limits, and the signature.

Shared by ``vigil verify`` (which goes on to check the PDF and every listed file)
and ``vigil serve`` (which checks who signed the manifest before it loads the
model the manifest describes). Only the manifest's bytes are signed, so nothing
in it may be trusted before :func:`read_signed_manifest` says ``signed``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509

from vigil.compliance.detached_signature import verify_bytes
from vigil.compliance.keys import load_certificate
from vigil.compliance.manifest import MANIFEST, SIGNATURE, SIGNER_CERT
from vigil.errors import VigilError

# Read limits, checked on the file size before any byte is parsed (a 134 MB manifest once took 46 s).
MANIFEST_LIMITS = {MANIFEST: 16 << 20, SIGNATURE: 16 << 10, SIGNER_CERT: 64 << 10}


@dataclass(frozen=True)
class SignedManifest:
    """The signer's certificate, the manifest's bytes, and whether ``manifest.sig`` verifies them."""

    certificate: x509.Certificate
    raw: bytes
    signed: bool


def read_limited(path: Path, limit: int) -> bytes:
    """The bytes of ``path`` when it is a regular file of at most ``limit`` bytes."""
    if path.is_symlink():
        raise VigilError(f"{path.name}: is a symlink (refused)")
    if not path.is_file():
        raise VigilError(f"{path.name}: missing")
    size = path.stat().st_size
    if size > limit:
        raise VigilError(f"{path.name}: {size} bytes, over the {limit}-byte limit (not read)")
    return path.read_bytes()


def read_signed_manifest(evidence: Path) -> SignedManifest:
    """The three files of ``evidence`` and the signature check; VigilError when one is missing or too large."""
    certificate = load_certificate(read_limited(evidence / SIGNER_CERT, MANIFEST_LIMITS[SIGNER_CERT]), SIGNER_CERT)
    raw = read_limited(evidence / MANIFEST, MANIFEST_LIMITS[MANIFEST])
    signature = read_limited(evidence / SIGNATURE, MANIFEST_LIMITS[SIGNATURE])
    return SignedManifest(certificate, raw, verify_bytes(certificate, raw, signature))


def signed_at(value: Any) -> dt.datetime | None:
    """The manifest's ``created_utc`` as an aware time (None when absent or not a time)."""
    if not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)

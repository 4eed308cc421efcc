"""``vigil verify``: is this evidence exactly what the signer produced?

Checks, each reported on its own line so an auditor sees *what* failed:

1. the signer certificate shipped with the evidence parses and, with
   ``--trust``, is the pinned certificate or issued by it;
2. ``manifest.json`` is canonical JSON and ``manifest.sig`` is the signer's
   signature of its bytes (the same check as ``openssl dgst -verify``);
3. the PDF's embedded signature is valid, by the same signer, and covers the
   whole file (:mod:`~vigil.compliance.pdf_verification`);
4. every file the manifest lists exists with the listed SHA-256, and the
   evidence directory holds nothing the manifest does not list.

Any changed byte in any of these files fails at least one check.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from vigil.compliance.canonical import is_canonical
from vigil.compliance.detached_signature import verify_bytes
from vigil.compliance.keys import is_development_certificate, load_certificate
from vigil.compliance.manifest import MANIFEST, SCHEMA, SIGNATURE, SIGNER_CERT, evidence_root
from vigil.compliance.pdf_verification import PdfSignatureReport, issued_by, verify_pdf
from vigil.errors import VigilError
from vigil.hashing import sha256_file

PDF_NAME = "compliance.pdf"
DEFAULT_EVIDENCE_DIR = "reports/compliance"


@dataclass(frozen=True)
class Check:
    """One verification step: its name, whether it passed, and what it found."""

    name: str
    ok: bool
    detail: str


def _fingerprint(certificate: x509.Certificate) -> str:
    return certificate.fingerprint(hashes.SHA256()).hex()


def _signer_check(certificate: x509.Certificate, trust: list[x509.Certificate] | None) -> Check:
    label = f"{certificate.subject.rfc4514_string()} (SHA-256 {_fingerprint(certificate)[:16]}…)"
    if is_development_certificate(certificate):
        label += " [development signature]"
    if not trust:
        return Check("signer", True, f"{label}; not pinned (pass --trust CERT to require a signer)")
    for anchor in trust:
        if anchor == certificate:
            return Check("signer", True, f"{label}; matches the pinned certificate")
        if issued_by(certificate, anchor):
            return Check("signer", True, f"{label}; issued by the pinned {anchor.subject.rfc4514_string()}")
    return Check("signer", False, f"{label} is not the pinned certificate and not issued by it")


def _pdf_detail(report: PdfSignatureReport) -> str:
    return f"valid, covers the whole file, signed {report.signing_time} by {report.signer_subject}"


def find_evidence_dir(path: Path) -> Path:
    """``path`` itself when it holds a manifest, else ``path/reports/compliance`` (a retrieved tree)."""
    for candidate in (path, path / DEFAULT_EVIDENCE_DIR):
        if (candidate / MANIFEST).is_file():
            return candidate
    raise VigilError(f"{path}: no {MANIFEST} here or in {path / DEFAULT_EVIDENCE_DIR}")


def verify_pdf_file(pdf: Path, trust: list[x509.Certificate] | None) -> list[Check]:
    """Checks for a lone signed PDF (no manifest): the signature, its coverage and the signer."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    data = pdf.read_bytes()
    anchors = trust
    if not anchors:
        # Unpinned: accept the embedded signer as its own anchor, i.e. check integrity only.
        try:
            embedded = PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures
            anchors = [x509.load_der_x509_certificate(embedded[0].signer_cert.dump())] if embedded else []
        except Exception as exc:  # noqa: BLE001 - a mangled file is reported, not raised
            return [Check(f"pdf signature ({pdf.name})", False, f"unreadable: {type(exc).__name__}: {exc}")]
    report = verify_pdf(data, anchors)
    checks = [
        Check(
            f"pdf signature ({pdf.name})", report.ok, _pdf_detail(report) if report.ok else "; ".join(report.problems)
        )
    ]
    if anchors and not trust:
        checks.append(_signer_check(anchors[0], None))
    return checks


def verify_evidence(path: str | Path, trust: list[x509.Certificate] | None = None) -> list[Check]:
    """All checks for an evidence directory (or a retrieved tree, or one PDF)."""
    target = Path(path)
    if target.is_file():
        if target.suffix.lower() != ".pdf":
            raise VigilError(f"{target}: expected an evidence directory or a PDF")
        return verify_pdf_file(target, trust)
    evidence = find_evidence_dir(target).resolve()
    checks: list[Check] = []

    cert_path = evidence / SIGNER_CERT
    try:
        certificate = load_certificate(cert_path.read_bytes(), str(cert_path))
    except (OSError, VigilError) as exc:
        return [Check("signer", False, f"{SIGNER_CERT}: {exc}")]
    checks.append(_signer_check(certificate, trust))

    manifest_bytes = (evidence / MANIFEST).read_bytes()
    try:
        signature = (evidence / SIGNATURE).read_bytes()
    except OSError:
        signature = b""
    signed = verify_bytes(certificate, manifest_bytes, signature)
    checks.append(
        Check(
            "manifest signature",
            signed,
            f"{SIGNATURE} verifies {MANIFEST} with {SIGNER_CERT}"
            if signed
            else f"{SIGNATURE} does not verify {MANIFEST} with {SIGNER_CERT} (either file was changed)",
        )
    )
    if not is_canonical(manifest_bytes):
        checks.append(Check("manifest format", False, f"{MANIFEST} is not canonical JSON"))
        return checks
    manifest = json.loads(manifest_bytes)
    if manifest.get("schema") != SCHEMA or not isinstance(manifest.get("artifacts"), list):
        checks.append(Check("manifest format", False, f"{MANIFEST}: not a {SCHEMA} document"))
        return checks
    if manifest.get("signer", {}).get("fingerprint_sha256") != _fingerprint(certificate):
        checks.append(Check("manifest signer", False, f"{MANIFEST} names a different signer than {SIGNER_CERT}"))

    pdf = evidence / PDF_NAME
    if pdf.is_file():
        report = verify_pdf(pdf.read_bytes(), trust or [certificate])
        same_signer = report.signer_fingerprint in (None, _fingerprint(certificate))
        problems = [*report.problems, *([] if same_signer else [f"signed by a different key than {SIGNER_CERT}"])]
        checks.append(
            Check(
                f"pdf signature ({PDF_NAME})",
                not problems,
                _pdf_detail(report) if not problems else "; ".join(problems),
            )
        )
    else:
        checks.append(Check("pdf signature", False, f"{PDF_NAME} is missing"))

    evidence_dir = str(manifest.get("evidence_dir") or DEFAULT_EVIDENCE_DIR)
    root = evidence_root(evidence, evidence_dir)
    listed = set()
    bad: list[str] = []
    for entry in manifest["artifacts"]:
        relative = str(entry.get("path", ""))
        listed.add(relative)
        file = root / relative
        if not file.is_file():
            bad.append(f"{relative}: missing")
        elif sha256_file(file) != entry.get("sha256"):
            bad.append(f"{relative}: SHA-256 differs from the manifest")
    checks.append(
        Check(
            "artifact hashes",
            not bad,
            f"{len(listed)} files match the manifest" if not bad else "; ".join(bad),
        )
    )
    own = {f"{evidence_dir}/{name}" for name in (MANIFEST, SIGNATURE)}
    extra = sorted(
        p.relative_to(root).as_posix()
        for p in evidence.rglob("*")
        if p.is_file() and p.relative_to(root).as_posix() not in listed | own
    )
    checks.append(
        Check(
            "evidence completeness",
            not extra,
            "no unlisted files in the evidence directory" if not extra else f"unlisted files: {', '.join(extra)}",
        )
    )
    return checks


def format_checks(checks: list[Check]) -> str:
    """One line per check, then the overall result."""
    lines = [f"{'PASS' if c.ok else 'FAIL'}  {c.name}: {c.detail}" for c in checks]
    ok = all(c.ok for c in checks)
    lines.append(f"verification {'passed' if ok else 'FAILED'} ({sum(c.ok for c in checks)}/{len(checks)} checks)")
    return "\n".join(lines)

"""``vigil verify``: is this evidence exactly what a trusted signer produced, for this revision?

Checks, each reported on its own line so an auditor sees *what* failed:

1. ``manifest.sig`` is the signature of ``manifest.json``'s bytes by the key
   of the shipped ``signer.pem`` (the ``openssl dgst -verify`` check). Nothing
   in an unsigned manifest is parsed: verification stops here when it fails;
2. the signer is *anchored*: its certificate (or its issuer) is pinned in
   ``policies/trust/signers.yaml`` as committed in git, valid on the signing
   day and not revoked (:mod:`~vigil.compliance.trust`). ``signer.pem`` only
   says which key signed; it is never a reason to trust it. Development
   signatures fail unless asked for;
3. the PDF's embedded signature is valid, by the same signer, and covers the
   whole file (:mod:`~vigil.compliance.pdf_verification`); the PDF declares
   PDF/A-3b and the reports embedded in it are the files the manifest lists
   (:mod:`~vigil.compliance.pdf_archive`);
4. every file the manifest lists exists with the listed SHA-256, reached
   without ``..``, absolute paths or symlinks, and the evidence directory
   holds nothing else;
5. the evidence belongs to the repository state it is checked against: the
   manifest's commit, ``dvc.lock`` digest and ``params.yaml`` digest match a
   revision (``--rev``) or the files beside the evidence
   (:mod:`~vigil.compliance.revision_binding`).

A *bundle* (the four files a release publishes: PDF, manifest, signature,
certificate) is checked with ``bundle=True``: the same checks, with the
hashes of the files it does not carry left to ``vigil retrieve``.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from cryptography import x509

from vigil.compliance.canonical import is_canonical
from vigil.compliance.manifest import MANIFEST, SCHEMA, SIGNATURE, SIGNER_CERT
from vigil.compliance.pdf_archive import attachment_problems, read_archive
from vigil.compliance.pdf_verification import TimestampReport, verify_pdf
from vigil.compliance.revision_binding import RevisionBinding, binding_problems, from_tree
from vigil.compliance.signed_manifest import MANIFEST_LIMITS, read_limited, read_signed_manifest, signed_at
from vigil.compliance.trust import SignerJudgement, TrustStore, describe, fingerprint, judge_signer, timestamp_anchors
from vigil.errors import VigilError
from vigil.hashing import sha256_file

PDF_NAME = "compliance.pdf"
DEFAULT_EVIDENCE_DIR = "reports/compliance"
MAX_BYTES = {**MANIFEST_LIMITS, PDF_NAME: 256 << 20}
BUNDLE_FILES = (PDF_NAME, MANIFEST, SIGNATURE, SIGNER_CERT)


@dataclass(frozen=True)
class Check:
    """One verification step: its name, whether it passed, and what it found (``note``: not judged)."""

    name: str
    ok: bool
    detail: str
    note: bool = False


@dataclass(frozen=True)
class TrustPolicy:
    """Which signers are accepted: the repository's anchors, or ``--trust``, or development keys when asked."""

    store: TrustStore | None = None
    explicit: tuple[x509.Certificate, ...] = ()
    allow_development: bool = False
    role: str | None = None

    def timestamp_anchors(self) -> list[x509.Certificate]:
        """The anchored time-stamp authorities (from the repository's anchors; ``--trust`` names signers only)."""
        return timestamp_anchors(self.store)

    def judge(self, certificate: x509.Certificate, signed_at: dt.datetime | None) -> SignerJudgement:
        return judge_signer(
            certificate,
            signed_at,
            self.store,
            explicit=self.explicit,
            allow_development=self.allow_development,
            role=self.role,
        )


@dataclass(frozen=True)
class Verification:
    """The checks, and the facts the evidence vouches for (printed above them)."""

    checks: list[Check]
    facts: dict[str, str] = field(default_factory=dict)

    def __iter__(self) -> Iterator[Check]:
        return iter(self.checks)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)


def unsafe_path_reason(relative: Any) -> str | None:
    """Why a manifest path must not be followed (None when it is a plain relative path)."""
    if not isinstance(relative, str) or not relative:
        return "not a path"
    if "\\" in relative or "\0" in relative or relative.startswith("/") or PurePosixPath(relative).is_absolute():
        return "absolute or not a POSIX path"
    if any(part in ("..", "") for part in relative.split("/")):
        return "contains '..' or an empty segment"
    return None


def symlink_on_path(root: Path, relative: str) -> str | None:
    """The first component of ``root/relative`` that is a symlink, if any."""
    current = root
    for part in PurePosixPath(relative).parts:
        current = current / part
        if current.is_symlink():
            return current.relative_to(root).as_posix()
    return None


def _walk(directory: Path) -> tuple[list[Path], list[str]]:
    """Regular files under ``directory`` and every symlink met (never followed)."""
    files: list[Path] = []
    links: list[str] = []
    for current, dirs, names in os.walk(directory, followlinks=False):
        here = Path(current)
        for name in [*dirs, *names]:
            if (here / name).is_symlink():
                links.append((here / name).relative_to(directory).as_posix())
        files.extend(here / n for n in names if not (here / n).is_symlink())
    return files, sorted(links)


def _signer_check(judgement: SignerJudgement, certificate: x509.Certificate) -> Check:
    return Check("signer", judgement.ok, f"{describe(certificate)}: {judgement.detail}")


def _pdf_checks(pdf: Path, certificate: x509.Certificate, name: str, tsa: list[x509.Certificate]) -> list[Check]:
    try:
        data = read_limited(pdf, MAX_BYTES[PDF_NAME])
    except VigilError as exc:
        return [Check(name, False, str(exc))]
    report = verify_pdf(data, [certificate], tsa)
    problems = list(report.problems)
    if report.signer_fingerprint not in (None, fingerprint(certificate)):
        problems.append(f"signed by a different key than {SIGNER_CERT}")
    detail = f"valid, covers the whole file, signed {report.signing_time} by {report.signer_subject}"
    return [
        Check(name, not problems, detail if not problems else "; ".join(dict.fromkeys(problems))),
        timestamp_check(report.timestamp, report.signing_time),
    ]


def timestamp_check(timestamp: TimestampReport | None, claimed: str | None) -> Check:
    """An RFC 3161 timestamp is judged; its absence is stated (the time is then the signer's claim)."""
    if timestamp is None:
        return Check(
            "timestamp",
            True,
            f"none: the signing time {claimed} is the signer's own claim (no time-stamp authority configured)",
            note=True,
        )
    if timestamp.ok:
        return Check("timestamp", True, f"RFC 3161 timestamp {timestamp.time} by {timestamp.authority} (anchored)")
    return Check(
        "timestamp", False, f"timestamp {timestamp.time} by {timestamp.authority}: {'; '.join(timestamp.problems)}"
    )


def _archive_check(pdf: Path, manifest: Mapping[str, Any]) -> Check:
    """PDF/A-3b declared, and the embedded reports are the files the signed manifest lists."""
    name = f"pdf archive ({PDF_NAME})"
    try:
        facts = read_archive(read_limited(pdf, MAX_BYTES[PDF_NAME]))
    except Exception as exc:  # noqa: BLE001 - a mangled file is reported, not raised
        return Check(name, False, f"unreadable: {type(exc).__name__}: {exc}")
    problems = attachment_problems(facts, manifest)
    detail = (
        f"PDF/A-3b; {len(facts.attachments)} embedded files ({', '.join(sorted(facts.attachments))}) match the manifest"
    )
    return Check(name, not problems, detail if not problems else "; ".join(problems))


def find_evidence_dir(path: Path) -> Path:
    """``path`` itself when it holds a manifest, else ``path/reports/compliance`` (a retrieved tree)."""
    for candidate in (path, path / DEFAULT_EVIDENCE_DIR):
        if (candidate / MANIFEST).is_file():
            return candidate
    raise VigilError(f"{path}: no {MANIFEST} here or in {path / DEFAULT_EVIDENCE_DIR}")


def verify_pdf_file(pdf: Path, trust: TrustPolicy) -> Verification:
    """A lone signed PDF (no manifest): its signature, its coverage, and whether its signer is trusted."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    name = f"pdf signature ({pdf.name})"
    try:
        data = read_limited(pdf, MAX_BYTES[PDF_NAME])
        embedded = PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures
        certificate = x509.load_der_x509_certificate(embedded[0].signer_cert.dump()) if embedded else None
        claimed = embedded[0].self_reported_timestamp if embedded else None
    except Exception as exc:  # noqa: BLE001 - a mangled file is reported, not raised
        return Verification([Check(name, False, f"unreadable: {type(exc).__name__}: {exc}")])
    if certificate is None:
        return Verification([Check(name, False, "the PDF carries no signature")])
    judgement = trust.judge(certificate, claimed)
    anchors = list(trust.explicit) or [judgement.anchor.certificate if judgement.anchor else certificate]
    report = verify_pdf(data, anchors, trust.timestamp_anchors())
    detail = f"valid, covers the whole file, signed {report.signing_time} by {report.signer_subject}"
    checks = [Check(name, report.ok, detail if report.ok else "; ".join(report.problems))]
    checks.append(timestamp_check(report.timestamp, report.signing_time))
    checks.append(_signer_check(judgement, certificate))
    return Verification(checks, {"signed": f"{report.signing_time} by {describe(certificate)}"})


def _parse_manifest(data: bytes) -> tuple[dict[str, Any] | None, str]:
    if not is_canonical(data):
        return None, f"{MANIFEST} is not canonical JSON"
    try:
        manifest = json.loads(data)
    except (ValueError, RecursionError):
        return None, f"{MANIFEST} cannot be parsed"
    if not isinstance(manifest, dict) or manifest.get("schema") != SCHEMA:
        return None, f"{MANIFEST}: not a {SCHEMA} document"
    if not isinstance(manifest.get("artifacts"), list) or unsafe_path_reason(manifest.get("evidence_dir")):
        return None, f"{MANIFEST}: artifacts or evidence_dir malformed"
    return manifest, ""


def manifest_facts(manifest: Mapping[str, Any]) -> dict[str, str]:
    """What the evidence vouches for, in the words an auditor asks for."""
    git = manifest.get("git") or {}
    dirty = git.get("uncommitted_sources") or []
    return {
        "commit": f"{git.get('commit') or 'unknown'}"
        + (f" (with uncommitted changes to {', '.join(map(str, dirty))})" if dirty else ""),
        "created": str(manifest.get("created_utc")),
        "verdict": str(manifest.get("verdict", "unknown")).upper(),
        "artifacts": str(len(manifest.get("artifacts") or [])),
    }


def _artifact_checks(
    manifest: Mapping[str, Any], evidence: Path, root: Path, bundle: bool
) -> tuple[Check, set[str], list[str]]:
    """The hash check over listed files; returns it, the listed paths, and the files left unchecked."""
    evidence_dir = str(manifest["evidence_dir"])
    listed: set[str] = set()
    bad: list[str] = []
    outside: list[str] = []
    for entry in manifest["artifacts"]:
        raw = entry.get("path") if isinstance(entry, dict) else None
        reason = unsafe_path_reason(raw)
        if reason:
            bad.append(f"{raw!r}: refused ({reason})")
            continue
        relative = str(raw)
        listed.add(relative)
        if bundle:
            inside = relative[len(evidence_dir) + 1 :] if relative.startswith(f"{evidence_dir}/") else ""
            if not inside or (inside not in BUNDLE_FILES and not (evidence / inside).exists()):
                outside.append(relative)
                continue
            base = evidence
        else:
            base, inside = root, relative
        link = symlink_on_path(base, inside)
        file = base / inside
        if link:
            bad.append(f"{relative}: refused (reaches {link}, a symlink)")
        elif not file.is_file():
            bad.append(f"{relative}: missing")
        elif sha256_file(file) != entry.get("sha256"):
            bad.append(f"{relative}: SHA-256 differs from the manifest")
    checked = len(listed) - len(outside) - len(bad)
    if bundle:
        for required in (PDF_NAME, SIGNER_CERT):
            if f"{evidence_dir}/{required}" not in listed:
                bad.append(f"{evidence_dir}/{required}: not listed in the manifest")
    detail = "; ".join(bad) if bad else f"{checked} files match the manifest"
    return Check("artifact hashes", not bad, detail), listed, outside


def verify_evidence(
    path: str | Path,
    trust: TrustPolicy,
    *,
    binding: RevisionBinding | None = None,
    bundle: bool = False,
) -> Verification:
    """All checks for an evidence directory, a retrieved tree, a release bundle or one PDF."""
    target = Path(path)
    if target.is_file():
        if target.suffix.lower() != ".pdf":
            raise VigilError(f"{target}: expected an evidence directory, a bundle directory or a PDF")
        return verify_pdf_file(target, trust)
    evidence = (target if bundle else find_evidence_dir(target)).resolve()
    if not (evidence / MANIFEST).exists():
        raise VigilError(f"{evidence}: no {MANIFEST} (a bundle holds {', '.join(BUNDLE_FILES)})")
    files, links = _walk(evidence)
    if links:
        return Verification([Check("evidence files", False, f"symlinks are refused: {', '.join(links)}")])
    checks: list[Check] = []
    try:
        signed_manifest = read_signed_manifest(evidence)
    except VigilError as exc:
        return Verification([Check("evidence files", False, str(exc))])
    certificate, manifest_bytes, signed = signed_manifest.certificate, signed_manifest.raw, signed_manifest.signed
    checks.append(
        Check(
            "manifest signature",
            signed,
            f"{SIGNATURE} verifies {MANIFEST} with {SIGNER_CERT}"
            if signed
            else f"{SIGNATURE} does not verify {MANIFEST} with {SIGNER_CERT} (either file was changed); "
            "nothing in the manifest was read",
        )
    )
    if not signed:
        return Verification(checks, {"signer": describe(certificate)})
    manifest, problem = _parse_manifest(manifest_bytes)
    if manifest is None:
        return Verification([*checks, Check("manifest format", False, problem)])
    facts = manifest_facts(manifest)
    checks.insert(0, _signer_check(trust.judge(certificate, signed_at(manifest.get("created_utc"))), certificate))
    if (manifest.get("signer") or {}).get("fingerprint_sha256") != fingerprint(certificate):
        checks.append(Check("manifest signer", False, f"{MANIFEST} names a different signer than {SIGNER_CERT}"))
    checks += _pdf_checks(evidence / PDF_NAME, certificate, f"pdf signature ({PDF_NAME})", trust.timestamp_anchors())
    checks.append(_archive_check(evidence / PDF_NAME, manifest))

    evidence_dir = str(manifest["evidence_dir"])
    root = evidence if bundle else evidence_root(evidence, evidence_dir)
    hashes, listed, outside = _artifact_checks(manifest, evidence, root, bundle)
    checks.append(hashes)
    own = {f"{evidence_dir}/{name}" for name in (MANIFEST, SIGNATURE)}
    present = {f"{evidence_dir}/{p.relative_to(evidence).as_posix()}" for p in files}
    extra = sorted(present - listed - own)
    checks.append(
        Check(
            "evidence completeness",
            not extra,
            "no unlisted files in the evidence directory" if not extra else f"unlisted files: {', '.join(extra)}",
        )
    )
    if outside:
        checks.append(
            Check(
                "bundle scope",
                True,
                f"{len(outside)} listed files are not in a release bundle and were not checked here "
                "(`vigil retrieve --rev <tag>` fetches and checks them)",
                note=True,
            )
        )
    checks.append(_binding_check(manifest, binding if binding else (None if bundle else from_tree(root))))
    return Verification(checks, facts)


def _binding_check(manifest: Mapping[str, Any], binding: RevisionBinding | None) -> Check:
    if binding is None:
        commit = (manifest.get("git") or {}).get("commit") or "?"
        return Check(
            "revision binding",
            True,
            f"not checked: no dvc.lock beside the evidence; run `vigil verify ... --rev {commit[:12]}` in a clone "
            "of the repository to bind it",
            note=True,
        )
    problems, agreed = binding_problems(manifest, binding)
    return Check("revision binding", not problems, "; ".join(problems) if problems else agreed)


def evidence_root(manifest_dir: Path, evidence_dir: str) -> Path:
    """The repository root a manifest's relative paths start from."""
    root = manifest_dir.resolve()
    for _ in PurePosixPath(evidence_dir).parts:
        root = root.parent
    return root


def format_verification(verification: Verification) -> str:
    """The facts vouched for, one line per check, then the overall result."""
    lines = [f"{key:>9}: {value}" for key, value in verification.facts.items()]
    for c in verification.checks:
        lines.append(f"{'NOTE' if c.note else 'PASS' if c.ok else 'FAIL'}  {c.name}: {c.detail}")
    judged = [c for c in verification.checks if not c.note]
    passed = sum(c.ok for c in judged)
    outcome = "passed" if verification.ok else "FAILED"
    lines.append(f"verification {outcome} ({passed}/{len(judged)} checks)")
    return "\n".join(lines)

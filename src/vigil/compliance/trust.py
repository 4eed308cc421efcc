"""Trust anchors: which certificates may vouch for evidence, pinned in git and reviewed like code.

A signature only says "whoever holds this key signed these bytes"; anyone can
make a key and a certificate named "Vigil release signer". What makes a
signer *the* signer is that its certificate is committed in
``policies/trust/`` and listed in ``policies/trust/signers.yaml`` with its
fingerprint, role and validity window. Rotation is a reviewed change
(``valid_until`` on the old entry, a new entry); revocation too (``revoked``).
``vigil verify`` and ``vigil retrieve`` judge every signer against this file
by default; the ``signer.pem`` shipped *with* the evidence is only a hint of
which key signed, never a reason to trust it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from vigil.compliance.git_objects import git_readers
from vigil.compliance.keys import is_development_certificate, load_certificate
from vigil.compliance.pdf_verification import issued_by
from vigil.errors import VigilError
from vigil.yaml_text import load_yaml

TRUST_DIR = "policies/trust"
ANCHORS_FILE = "signers.yaml"
ANCHORS_PATH = f"{TRUST_DIR}/{ANCHORS_FILE}"
SCHEMA = "vigil.trust/1"
SIGNER_ROLES = ("release", "pull-request")
# A time-stamp authority's certificate (or its CA) vouches only for RFC 3161 timestamps, never for evidence.
TSA_ROLE = "timestamp-authority"
ROLES = (*SIGNER_ROLES, TSA_ROLE)
MAX_ANCHORS_BYTES = 1_000_000


@dataclass(frozen=True)
class Anchor:
    """One pinned signer certificate and the window in which its signatures count."""

    id: str
    role: str
    certificate: x509.Certificate
    path: str
    valid_from: dt.date
    valid_until: dt.date | None
    revoked_on: dt.date | None = None
    revocation_reason: str = ""

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.certificate)

    def window(self) -> str:
        return f"{self.valid_from.isoformat()} .. {self.valid_until.isoformat() if self.valid_until else 'open'}"


@dataclass(frozen=True)
class TrustStore:
    """The anchors of one repository state, and where they were read from (for messages)."""

    anchors: tuple[Anchor, ...]
    source: str


@dataclass(frozen=True)
class SignerJudgement:
    """Whether a signer is accepted, the sentence saying why, and the anchor that decided it."""

    ok: bool
    detail: str
    anchor: Anchor | None = None
    development: bool = False


def fingerprint(certificate: x509.Certificate) -> str:
    """SHA-256 of the certificate's DER bytes, lower-case hex (``openssl x509 -fingerprint -sha256``)."""
    return certificate.fingerprint(hashes.SHA256()).hex()


def describe(certificate: x509.Certificate) -> str:
    return f"{certificate.subject.rfc4514_string()} (SHA-256 {fingerprint(certificate)})"


@cache
def trust_schema() -> dict[str, Any]:
    """The JSON Schema of ``signers.yaml`` (shipped in the package)."""
    return json.loads(resources.files("vigil.compliance").joinpath("trust_schema.json").read_text("utf-8"))


def _date(value: str, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise VigilError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from None


def parse_anchors(text: bytes, read_certificate: Callable[[str], bytes], source: str = ANCHORS_PATH) -> TrustStore:
    """Validate ``signers.yaml`` and load every certificate it names through ``read_certificate``.

    ``read_certificate`` takes a path relative to the repository root, so the
    same code reads a working tree, a git revision or a remote repository.
    A certificate whose fingerprint differs from the pinned one stops
    everything: a swapped file must never silently change who is trusted.
    """
    from jsonschema import Draft202012Validator

    if len(text) > MAX_ANCHORS_BYTES:
        raise VigilError(f"{source}: {len(text)} bytes, larger than the {MAX_ANCHORS_BYTES} a trust file may be")
    try:
        document = load_yaml(text)
    except yaml.YAMLError as exc:
        raise VigilError(f"{source}: not valid YAML ({str(exc).splitlines()[0]})") from None
    errors = sorted(Draft202012Validator(trust_schema()).iter_errors(document), key=lambda e: list(map(str, e.path)))
    if errors:
        first = errors[0]
        where = ".".join(map(str, first.absolute_path)) or "(top level)"
        raise VigilError(f"{source}: {where}: {first.message}")
    anchors, seen = [], set()
    for entry in document["signers"]:
        where = f"{source}, signer {entry['id']!r}"
        if entry["id"] in seen:
            raise VigilError(f"{where}: id used twice")
        seen.add(entry["id"])
        path = f"{TRUST_DIR}/{entry['certificate']}"
        try:
            data = read_certificate(path)
        except (OSError, FileNotFoundError) as exc:
            raise VigilError(f"{where}: certificate {path} cannot be read ({exc})") from None
        certificate = load_certificate(data, path)
        if fingerprint(certificate) != entry["fingerprint_sha256"]:
            raise VigilError(
                f"{where}: {path} has fingerprint {fingerprint(certificate)}, "
                f"not the pinned {entry['fingerprint_sha256']}"
            )
        if is_development_certificate(certificate):
            raise VigilError(f"{where}: {path} is a development certificate; it cannot be a trust anchor")
        revoked = entry.get("revoked") or {}
        anchors.append(
            Anchor(
                id=entry["id"],
                role=entry["role"],
                certificate=certificate,
                path=path,
                valid_from=_date(entry["valid_from"], f"{where}, valid_from"),
                valid_until=_date(entry["valid_until"], f"{where}, valid_until") if entry.get("valid_until") else None,
                revoked_on=_date(revoked["date"], f"{where}, revoked.date") if revoked else None,
                revocation_reason=revoked.get("reason", ""),
            )
        )
    return TrustStore(anchors=tuple(anchors), source=source)


def load_trust_store(root: Path, rev: str = "HEAD") -> TrustStore | None:
    """The anchors *committed* at ``rev`` of the git repository at ``root`` (None when there are none).

    Committed, not the working tree: whoever can replace evidence files on a
    disk can edit ``signers.yaml`` there too, but not what was reviewed into
    git. An uncommitted change to the anchors has no effect until committed.
    """

    read_file, _ = git_readers(root, rev)

    def committed(relative: str) -> bytes:
        data = read_file(relative)
        if data is None:
            raise FileNotFoundError(f"{relative} is not committed at {rev}")
        return data

    text = read_file(ANCHORS_PATH)
    return None if text is None else parse_anchors(text, committed, f"{ANCHORS_PATH} at {rev} of {root}")


def _matching(certificate: x509.Certificate, anchors: Sequence[Anchor]) -> Anchor | None:
    for anchor in anchors:
        if anchor.certificate == certificate or issued_by(certificate, anchor.certificate):
            return anchor
    return None


def judge_signer(
    certificate: x509.Certificate,
    signed_at: dt.datetime | None,
    store: TrustStore | None,
    *,
    explicit: Sequence[x509.Certificate] = (),
    allow_development: bool = False,
    role: str | None = None,
) -> SignerJudgement:
    """Is ``certificate`` allowed to vouch for evidence it claims to have signed at ``signed_at``?

    Order: an explicit ``--trust`` list replaces the repository's anchors; a
    development certificate is refused unless asked for; otherwise the signer
    must be (or be issued by) an anchor whose window holds the signing time,
    not revoked by then, and of the required role.
    """
    if explicit:
        for pinned in explicit:
            if pinned == certificate or issued_by(certificate, pinned):
                return SignerJudgement(True, "trusted explicitly (--trust), not through policies/trust/")
        return SignerJudgement(False, "not the --trust certificate and not issued by it")
    if is_development_certificate(certificate):
        if allow_development:
            return SignerJudgement(
                True,
                "development signature, accepted because --allow-development was given: it proves the files "
                "are unchanged since signing, not who signed them",
                development=True,
            )
        return SignerJudgement(
            False,
            "development signature (a local run's key): not evidence anyone else can rely on; "
            "pass --allow-development to check a local run",
            development=True,
        )
    if store is None:
        return SignerJudgement(
            False,
            f"no trust anchors found ({ANCHORS_PATH} is not committed in this checkout): run inside a clone of "
            "the repository or pass --trust CERT",
        )
    signers = [a for a in store.anchors if a.role in SIGNER_ROLES]
    anchor = _matching(certificate, signers)
    if anchor is None:
        known = ", ".join(f"{a.id} ({a.role})" for a in signers) or "none"
        return SignerJudgement(False, f"not anchored in {store.source} (anchored signers: {known})")
    when = f"at {anchor.path} ({anchor.role}, valid {anchor.window()})"
    day = signed_at.astimezone(dt.UTC).date() if signed_at else None
    if day is None:
        return SignerJudgement(False, f"anchored as {anchor.id} {when}, but the signing time is unknown", anchor)
    if anchor.revoked_on and day >= anchor.revoked_on:
        return SignerJudgement(
            False, f"anchored as {anchor.id}, revoked on {anchor.revoked_on} ({anchor.revocation_reason})", anchor
        )
    if day < anchor.valid_from or (anchor.valid_until and day > anchor.valid_until):
        outside = f"anchored as {anchor.id} {when}, but signed on {day}, outside that window"
        return SignerJudgement(False, outside, anchor)
    if role and anchor.role != role:
        return SignerJudgement(False, f"anchored as {anchor.id} with role {anchor.role}, not {role}", anchor)
    caveat = (
        f"; revoked from {anchor.revoked_on} ({anchor.revocation_reason}): this signature claims an earlier time, "
        "which only a trusted timestamp could prove"
        if anchor.revoked_on
        else ""
    )
    return SignerJudgement(True, f"anchored as {anchor.id} {when}{caveat}", anchor)


def timestamp_anchors(store: TrustStore | None) -> list[x509.Certificate]:
    """Certificates anchored as time-stamp authorities (or their CAs): the only ones a timestamp may chain to."""
    return [a.certificate for a in (store.anchors if store else ()) if a.role == TSA_ROLE]


def anchor_entry(
    anchor_id: str,
    role: str,
    certificate: x509.Certificate,
    file_name: str,
    valid_from: dt.date,
    valid_until: dt.date | None,
) -> dict[str, Any]:
    """The ``signers.yaml`` entry for a new anchor (``vigil trust add``)."""
    if role not in ROLES:
        raise VigilError(f"role {role!r}: expected one of {', '.join(ROLES)}")
    return {
        "id": anchor_id,
        "role": role,
        "certificate": file_name,
        "fingerprint_sha256": fingerprint(certificate),
        "valid_from": valid_from.isoformat(),
        "valid_until": valid_until.isoformat() if valid_until else None,
        "note": f"{certificate.subject.rfc4514_string()}; certificate valid "
        f"{certificate.not_valid_before_utc.date()} .. {certificate.not_valid_after_utc.date()}",
    }


ANCHORS_HEADER = """\
# Trust anchors: the certificates whose signatures `vigil verify` and `vigil retrieve` accept on
# evidence (docs/evidence.md "Trust anchors"). Reviewed like code: a change here changes who can
# vouch for a release. Add one with `vigil trust add CERT --id ID --role release|pull-request`
# (or `--role timestamp-authority` for the RFC 3161 time-stamp authority that dates the PDF signature);
# rotate by setting `valid_until` on the old entry and adding the new one; revoke with
# `revoked: {date: YYYY-MM-DD, reason: ...}`. Never commit a private key here.
"""


def render_anchors(document: Mapping[str, Any]) -> str:
    """``signers.yaml`` text: the explanatory header, then the entries."""
    return ANCHORS_HEADER + yaml.safe_dump(dict(document), sort_keys=False, allow_unicode=True)


def anchors_summary(store: TrustStore | None) -> list[Mapping[str, str]]:
    """Rows for ``vigil trust list`` and the report's verification page."""
    if store is None:
        return []
    return [
        {
            "id": a.id,
            "role": a.role,
            "certificate": a.path,
            "fingerprint_sha256": a.fingerprint,
            "window": a.window(),
            "status": f"revoked {a.revoked_on}" if a.revoked_on else "active",
        }
        for a in store.anchors
    ]

"""Check a signed PDF: cryptography, coverage of the whole file, and the signer.

Two tools are not enough on their own (measured while building this):
pyHanko reports an appended incremental update (e.g. changed metadata) as a
valid signature over its revision, and ``pdfsig`` reports some tampered files
as valid and always exits 0. So besides pyHanko's verdict this module
requires that the one signature's ``/ByteRange`` starts at byte 0 and ends at
the end of the file, that the gap is exactly the ``/Contents`` hex string,
and that the hex string holds one DER object followed only by zero padding
(bytes a CMS parser would silently ignore).
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization

_HEX = re.compile(rb"[0-9A-Fa-f]*")


@dataclass(frozen=True)
class PdfSignatureReport:
    """Outcome of :func:`verify_pdf`: ``ok`` and the reasons when it is not."""

    ok: bool
    problems: tuple[str, ...]
    signer_subject: str | None = None
    signer_fingerprint: str | None = None
    signing_time: str | None = None
    timestamp: TimestampReport | None = None  # None: the signature carries no RFC 3161 timestamp


@dataclass(frozen=True)
class TimestampReport:
    """The RFC 3161 timestamp on the signature: when, by whom, and why it is not accepted (empty: accepted)."""

    time: str | None
    authority: str | None
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def timestamp_token_time(signer_info: Any) -> dt.datetime | None:
    """The ``genTime`` of the signature's timestamp token, or None when there is no token."""
    unsigned = signer_info["unsigned_attrs"]
    if not unsigned or unsigned.native is None:
        return None
    for attribute in unsigned:
        if attribute["type"].native == "signature_time_stamp_token":
            token = attribute["values"][0]
            info = token["content"]["encap_content_info"]["content"].parsed
            moment: dt.datetime = info["gen_time"].native
            return moment
    return None


def _timestamp_report(
    status: Any, token_time: dt.datetime | None, tsa_trust: list[x509.Certificate]
) -> TimestampReport | None:
    """Judge the timestamp pyHanko validated against the anchored time-stamp authorities only."""
    validity = status.timestamp_validity
    if validity is None and token_time is None:
        return None
    if validity is None:
        return TimestampReport(
            token_time.isoformat() if token_time else None, None, ("timestamp token could not be read",)
        )
    problems = []
    if not validity.intact or not validity.valid:
        problems.append("timestamp token does not verify (it does not match this signature or was altered)")
    if not tsa_trust:
        problems.append("no time-stamp authority is anchored (policies/trust/, role timestamp-authority)")
    elif not validity.trusted:
        problems.append("time-stamp authority is not anchored (policies/trust/, role timestamp-authority)")
    return TimestampReport(
        validity.timestamp.isoformat() if validity.timestamp else None,
        validity.signing_cert.subject.human_friendly if validity.signing_cert else None,
        tuple(problems),
    )


def der_length(blob: bytes) -> int | None:
    """Total length of the DER object at the start of ``blob`` (None when malformed)."""
    if len(blob) < 2 or blob[0] != 0x30:
        return None
    first = blob[1]
    if first < 0x80:
        return 2 + first
    count = first & 0x7F
    if count == 0 or count > 4 or len(blob) < 2 + count:
        return None
    return 2 + count + int.from_bytes(blob[2 : 2 + count], "big")


def byte_range_problems(data: bytes, byte_range: list[int]) -> list[str]:
    """Reasons why ``byte_range`` does not cover all of ``data`` but the signature itself."""
    if len(byte_range) != 4:
        return [f"/ByteRange has {len(byte_range)} numbers, expected 4"]
    start, first_len, gap_end, second_len = byte_range
    problems = []
    if start != 0:
        problems.append("signed range does not start at byte 0")
    if gap_end + second_len != len(data):
        extra = len(data) - (gap_end + second_len)
        problems.append(f"signature does not cover the whole file ({extra:+d} bytes after the signed range)")
        return problems
    if not (0 < first_len < gap_end <= len(data)):
        return [*problems, "/ByteRange is not ordered"]
    gap = data[first_len:gap_end]
    if gap[:1] != b"<" or gap[-1:] != b">" or _HEX.fullmatch(gap[1:-1]) is None or len(gap) % 2:
        return [*problems, "the unsigned gap is not exactly the /Contents hex string"]
    blob = bytes.fromhex(gap[1:-1].decode("ascii"))
    length = der_length(blob)
    if length is None or length > len(blob):
        problems.append("/Contents does not hold a DER signature")
    elif any(blob[length:]):
        problems.append("/Contents has non-zero bytes after the signature (padding was altered)")
    return problems


def embedded_certificate_problems(certificates_der: list[bytes], trust: list[x509.Certificate]) -> list[str]:
    """Certificates in the CMS are outside the signed bytes: each must be a trust anchor or issued by one.

    Without this, a changed byte in an embedded certificate goes unnoticed when
    the validator finds the signer's certificate in the trust store instead.
    """
    problems = []
    for index, der in enumerate(certificates_der):
        try:
            certificate = x509.load_der_x509_certificate(der)
        except ValueError:
            problems.append(f"embedded certificate #{index + 1} is malformed")
            continue
        if certificate.public_bytes(serialization.Encoding.DER) != der:
            problems.append(f"embedded certificate #{index + 1} is not in canonical DER")
        elif not any(certificate == anchor or issued_by(certificate, anchor) for anchor in trust):
            problems.append(f"embedded certificate #{index + 1} is altered or not issued by a trusted certificate")
    return problems


def issued_by(certificate: x509.Certificate, anchor: x509.Certificate) -> bool:
    """True when ``anchor``'s key signed ``certificate`` (a direct issuer; no chain building)."""
    try:
        certificate.verify_directly_issued_by(anchor)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def verify_pdf(
    data: bytes, trust: list[x509.Certificate], tsa_trust: list[x509.Certificate] | None = None
) -> PdfSignatureReport:
    """Verify the single embedded signature of ``data`` against ``trust`` (the accepted signers or CAs).

    A timestamp on the signature is judged against ``tsa_trust`` only (the
    anchored time-stamp authorities), never against the signers' anchors.
    """
    from pyhanko.keys.internal import translate_pyca_cryptography_cert_to_asn1
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.settings import KeyUsageConstraints
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    # pyHanko logs every failed path-building attempt with a traceback; the outcome is reported here instead.
    for name in ("pyhanko", "pyhanko_certvalidator"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=True)
        signatures = reader.embedded_signatures
    except Exception as exc:  # noqa: BLE001 - tampered input may break the parser anywhere: that is a failed check
        return PdfSignatureReport(False, (f"not a readable PDF ({type(exc).__name__}: {exc})",))
    if len(signatures) != 1:
        return PdfSignatureReport(False, (f"expected exactly one signature, found {len(signatures)}",))
    embedded = signatures[0]
    try:
        problems = byte_range_problems(data, [int(v) for v in embedded.byte_range])
        problems += embedded_certificate_problems(
            [choice.chosen.dump() for choice in embedded.signed_data["certificates"] or []], trust
        )
        signer = embedded.signer_cert
        claimed = embedded.self_reported_timestamp
        token_time = timestamp_token_time(embedded.signer_info)
        tsa_context = ValidationContext(
            trust_roots=[translate_pyca_cryptography_cert_to_asn1(c) for c in tsa_trust or []],
            allow_fetching=False,
            revocation_mode="soft-fail",
            moment=token_time or dt.datetime.now(dt.UTC),
        )
        context = ValidationContext(
            trust_roots=[translate_pyca_cryptography_cert_to_asn1(c) for c in trust],
            allow_fetching=False,
            revocation_mode="soft-fail",
            # No trusted timestamp can be fetched offline: validity is judged at the claimed signing time.
            moment=claimed or dt.datetime.now(dt.UTC),
        )
        status = validate_pdf_signature(
            embedded,
            context,
            ts_validation_context=tsa_context,
            key_usage_settings=KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"}),
            # Already failed on coverage: skip pyHanko's (slow) analysis of what the appended revisions changed.
            skip_diff=bool(problems),
        )
    except Exception as exc:  # noqa: BLE001 - as above: a signature that cannot be parsed is not valid
        return PdfSignatureReport(False, (*problems, f"signature could not be validated ({type(exc).__name__}: {exc})"))
    if not status.intact:
        problems.append("signed bytes were changed (digest mismatch)")
    if not status.valid:
        problems.append("signature value does not verify with the signer's certificate")
    if not status.trusted:
        problems.append("signer is not trusted (not the pinned certificate or not issued by it)")
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        problems.append(f"coverage is {status.coverage.name if status.coverage else 'unknown'}, not ENTIRE_FILE")
    if status.docmdp_ok is False:
        problems.append("changes after signing violate the certification (DocMDP) permissions")
    return PdfSignatureReport(
        ok=not problems,
        problems=tuple(dict.fromkeys(problems)),
        signer_subject=signer.subject.human_friendly,
        signer_fingerprint=signer.sha256_fingerprint.replace(" ", "").lower(),
        signing_time=claimed.isoformat() if claimed else None,
        timestamp=_timestamp_report(status, token_time, list(tsa_trust or [])),
    )

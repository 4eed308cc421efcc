"""Embed a PAdES signature in a PDF (pyHanko), as a certification signature.

The signature is a *certification* (DocMDP) signature with "no changes
allowed": a viewer then flags any later incremental update, which a plain
approval signature would let through as "signed revision intact".

With a time-stamp authority configured (``VIGIL_TSA_URL``), the signature
carries an RFC 3161 timestamp token over its value (PAdES B-T): the signing
time is then vouched for by the TSA, not only claimed by the signer, which is
what lets a signature made before a key's revocation still count afterwards.
"""

from __future__ import annotations

import io
import os

import requests
from pyhanko.keys.internal import translate_pyca_cryptography_cert_to_asn1, translate_pyca_cryptography_key_to_asn1
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.fields import MDPPerm
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.sign.timestamps.requests_client import HTTPTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

from vigil.compliance.keys import SigningIdentity
from vigil.errors import VigilError

SIGNATURE_FIELD = "VigilEvidenceSignature"


TSA_URL_ENV = "VIGIL_TSA_URL"
TSA_TIMEOUT_SECONDS = 30


def tsa_url() -> str | None:
    """The configured time-stamp authority (``VIGIL_TSA_URL``), or None."""
    return os.environ.get(TSA_URL_ENV, "").strip() or None


def sign_pdf(
    pdf: bytes, identity: SigningIdentity, reason: str, location: str, timestamp_url: str | None = None
) -> bytes:
    """The PDF with an embedded PAdES certification signature covering the whole file.

    B-B without ``timestamp_url``; B-T with it. A TSA that does not answer stops
    the signing with its URL named: a report that was asked to be timestamped is
    never silently issued without one.
    """
    certificate = translate_pyca_cryptography_cert_to_asn1(identity.certificate)
    signer = signers.SimpleSigner(
        signing_cert=certificate,
        signing_key=translate_pyca_cryptography_key_to_asn1(identity.key),
        cert_registry=SimpleCertificateStore.from_certs([certificate]),
    )
    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
        name=identity.certificate.subject.rfc4514_string(),
        certify=True,
        docmdp_permissions=MDPPerm.NO_CHANGES,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=True)
    timestamper = HTTPTimeStamper(timestamp_url, timeout=TSA_TIMEOUT_SECONDS) if timestamp_url else None
    try:
        return signers.sign_pdf(writer, metadata, signer=signer, timestamper=timestamper).getvalue()
    except (TimestampRequestError, OSError, requests.RequestException) as exc:
        raise VigilError(f"time-stamp authority {timestamp_url} ({TSA_URL_ENV}): no usable timestamp: {exc}") from None

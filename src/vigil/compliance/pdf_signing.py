"""Embed a PAdES signature in a PDF (pyHanko), as a certification signature.

The signature is a *certification* (DocMDP) signature with "no changes
allowed": a viewer then flags any later incremental update, which a plain
approval signature would let through as "signed revision intact".
"""

from __future__ import annotations

import io

from pyhanko.keys.internal import translate_pyca_cryptography_cert_to_asn1, translate_pyca_cryptography_key_to_asn1
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.fields import MDPPerm
from pyhanko_certvalidator.registry import SimpleCertificateStore

from vigil.compliance.keys import SigningIdentity

SIGNATURE_FIELD = "VigilEvidenceSignature"


def sign_pdf(pdf: bytes, identity: SigningIdentity, reason: str, location: str) -> bytes:
    """The PDF with an embedded PAdES B-B certification signature covering the whole file."""
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
    return signers.sign_pdf(writer, metadata, signer=signer).getvalue()

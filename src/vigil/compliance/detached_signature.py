"""Detached signatures over a file's bytes, in the form ``openssl dgst -sha256 -verify`` checks.

RSA keys sign with PKCS#1 v1.5 and EC keys with ECDSA (DER), both over
SHA-256: the defaults of ``openssl dgst -sha256 -sign``, so an auditor needs
nothing but OpenSSL and the signer's certificate::

    openssl x509 -in signer.pem -pubkey -noout > signer.pub
    openssl dgst -sha256 -verify signer.pub -signature manifest.sig manifest.json
"""

from __future__ import annotations

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from vigil.compliance.keys import SigningKey


def sign_bytes(key: SigningKey, data: bytes) -> bytes:
    """Signature of ``data`` with ``key`` (SHA-256)."""
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    return key.sign(data, ec.ECDSA(hashes.SHA256()))


def verify_bytes(certificate: x509.Certificate, data: bytes, signature: bytes) -> bool:
    """True when ``signature`` is the certificate key's signature of ``data``."""
    public = certificate.public_key()
    try:
        if isinstance(public, rsa.RSAPublicKey):
            public.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(public, ec.EllipticCurvePublicKey):
            public.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        else:
            return False
    except InvalidSignature:
        return False
    return True

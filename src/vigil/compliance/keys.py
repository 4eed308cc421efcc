"""Signing identities: a private key and its X.509 certificate, from CI secrets or a dev key.

Release evidence is signed with the key in ``VIGIL_SIGNING_KEY`` and the
certificate in ``VIGIL_SIGNING_CERT`` (each a path or inline PEM, as CI
secrets usually are). On a laptop, ``vigil keys init`` makes a self-signed
development key under the git-ignored ``.vigil/``; its certificate carries a
marker so every report it signs says, on the cover, that it is a development
signature. ``VIGIL_DEV_KEYS`` decides whether a missing development key may be
created (``create``), only used (``use``) or never used (``never``; the
default when ``CI`` is set, so a release can never carry a development
signature by accident).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from vigil.errors import VigilError
from vigil.io import atomic_path
from vigil.log import get_logger

KEY_ENV = "VIGIL_SIGNING_KEY"
CERT_ENV = "VIGIL_SIGNING_CERT"
PASSWORD_ENV = "VIGIL_SIGNING_KEY_PASSWORD"
DEV_KEYS_ENV = "VIGIL_DEV_KEYS"
DEV_DIR = ".vigil"
DEV_KEY_FILE = "signing-key.pem"
DEV_CERT_FILE = "signing-cert.pem"
DEV_MARKER = "DEVELOPMENT SIGNATURE - NOT FOR RELEASE"
DEV_VALIDITY_DAYS = 3650
DEV_MODES = ("create", "use", "never")

SigningKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@dataclass(frozen=True)
class SigningIdentity:
    """What signs the evidence, and where it came from (stated in the report)."""

    key: SigningKey
    certificate: x509.Certificate
    source: str

    @property
    def development(self) -> bool:
        return is_development_certificate(self.certificate)

    @property
    def certificate_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    @property
    def subject(self) -> str:
        return self.certificate.subject.rfc4514_string()

    @property
    def fingerprint(self) -> str:
        return self.certificate.fingerprint(hashes.SHA256()).hex()


def is_development_certificate(certificate: x509.Certificate) -> bool:
    """True for certificates made by :func:`init_dev_keys`."""
    units = certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)
    return any(unit.value == DEV_MARKER for unit in units)


def _pem_or_path(value: str, variable: str) -> bytes:
    """Inline PEM (``-----BEGIN``...) or the path of a PEM file."""
    if value.lstrip().startswith("-----BEGIN"):
        return value.encode("ascii")
    path = Path(value).expanduser()
    if not path.is_file():
        raise VigilError(f"{variable}: {path} is not a file (expected a path or inline PEM)")
    return path.read_bytes()


def _load_key(data: bytes, source: str, password: str | None) -> SigningKey:
    try:
        key = serialization.load_pem_private_key(data, password.encode() if password else None)
    except (ValueError, TypeError) as exc:
        raise VigilError(f"{source}: not a usable PEM private key ({exc})") from None
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise VigilError(f"{source}: key type {type(key).__name__} is not supported (use RSA or EC)")
    return key


def load_certificate(data: bytes, source: str) -> x509.Certificate:
    """Parse one PEM certificate, naming ``source`` when it is not one."""
    try:
        return x509.load_pem_x509_certificate(data)
    except ValueError as exc:
        raise VigilError(f"{source}: not a PEM X.509 certificate ({exc})") from None


def _check_pair(key: SigningKey, certificate: x509.Certificate, source: str) -> None:
    fmt = serialization.PublicFormat.SubjectPublicKeyInfo
    ours = key.public_key().public_bytes(serialization.Encoding.DER, fmt)
    theirs = certificate.public_key().public_bytes(serialization.Encoding.DER, fmt)
    if ours != theirs:
        raise VigilError(f"{source}: the private key does not match the certificate's public key")


def dev_keys_mode(environ: Mapping[str, str] | None = None) -> str:
    """``create`` | ``use`` | ``never`` from ``VIGIL_DEV_KEYS`` (``never`` by default under CI)."""
    env = os.environ if environ is None else environ
    default = "never" if env.get("CI", "").lower() in {"1", "true", "yes"} else "create"
    mode = env.get(DEV_KEYS_ENV, "").strip().lower() or default
    if mode not in DEV_MODES:
        raise VigilError(f"{DEV_KEYS_ENV}={mode!r}: expected one of {', '.join(DEV_MODES)}")
    return mode


def _name(common_name: str, development: bool) -> x509.Name:
    attributes = [
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Vigil"),
    ]
    if development:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, DEV_MARKER))
    return x509.Name(attributes)


def make_self_signed(
    common_name: str = "Vigil development signer",
    development: bool = True,
    days: int = DEV_VALIDITY_DAYS,
    now: dt.datetime | None = None,
) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """An RSA-3072 key and a self-signed signing certificate (digitalSignature + nonRepudiation)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    name = _name(common_name, development)
    start = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(minutes=5)
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=True,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def write_identity(key: SigningKey, certificate: x509.Certificate, key_path: Path, cert_path: Path) -> None:
    """Write a key (mode 0600) and its certificate as PEM, each atomically."""
    with atomic_path(key_path) as staged:
        staged.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        staged.chmod(0o600)
    with atomic_path(cert_path) as staged:
        staged.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))


def dev_key_dir(root: Path) -> Path:
    """Where the development key of a run at ``root`` lives: its own ``.vigil/``, or its repository's.

    ``dvc exp run --queue`` runs each experiment in a temporary copy under
    ``<repo>/.dvc/tmp/exps/``, which has no ``.vigil/`` (it is git-ignored):
    without this, every queued experiment made and signed with a throw-away
    key. A run inside a ``.dvc/`` directory uses the key of the repository
    that directory belongs to.
    """
    here = root.resolve()
    for parent in here.parents:
        if parent.name == ".dvc":
            return parent.parent / DEV_DIR
    return here / DEV_DIR


def init_dev_keys(root: str | os.PathLike[str] = ".", force: bool = False) -> tuple[Path, Path, bool]:
    """Create the development key and certificate under ``<root>/.vigil/`` unless present.

    Returns the key path, the certificate path and whether they were created now.
    """
    directory = dev_key_dir(Path(root))
    key_path, cert_path = directory / DEV_KEY_FILE, directory / DEV_CERT_FILE
    if key_path.exists() and cert_path.exists() and not force:
        return key_path, cert_path, False
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    key, certificate = make_self_signed()
    write_identity(key, certificate, key_path, cert_path)
    get_logger("compliance.keys").info("development signing key created", extra={"path": str(directory)})
    return key_path, cert_path, True


def load_identity(root: str | os.PathLike[str] = ".", environ: dict[str, str] | None = None) -> SigningIdentity:
    """The signing identity for this run: CI secrets first, then the development key.

    Raises when there is no key and ``VIGIL_DEV_KEYS`` does not allow making one,
    so nothing is ever written unsigned under the signed name.
    """
    env = os.environ if environ is None else environ
    key_value, cert_value = env.get(KEY_ENV, ""), env.get(CERT_ENV, "")
    if key_value or cert_value:
        if not (key_value and cert_value):
            raise VigilError(f"set both {KEY_ENV} and {CERT_ENV} (path or inline PEM), not only one")
        key = _load_key(_pem_or_path(key_value, KEY_ENV), KEY_ENV, env.get(PASSWORD_ENV))
        certificate = load_certificate(_pem_or_path(cert_value, CERT_ENV), CERT_ENV)
        _check_pair(key, certificate, f"{KEY_ENV}/{CERT_ENV}")
        return SigningIdentity(key, certificate, source=f"{KEY_ENV} / {CERT_ENV}")
    mode = dev_keys_mode(env)
    directory = dev_key_dir(Path(root))
    key_path, cert_path = directory / DEV_KEY_FILE, directory / DEV_CERT_FILE
    if mode == "never":
        raise VigilError(
            f"no signing key: set {KEY_ENV} and {CERT_ENV} (path or PEM); development keys are disabled "
            f"({DEV_KEYS_ENV}=never{' by default under CI' if not env.get(DEV_KEYS_ENV) else ''})"
        )
    if not (key_path.exists() and cert_path.exists()):
        if mode == "use":
            raise VigilError(
                f"no signing key: set {KEY_ENV} and {CERT_ENV}, or run `vigil keys init` to create {directory}/"
            )
        init_dev_keys(directory.parent)
    key = _load_key(key_path.read_bytes(), str(key_path), None)
    certificate = load_certificate(cert_path.read_bytes(), str(cert_path))
    _check_pair(key, certificate, str(directory))
    return SigningIdentity(key, certificate, source=f"{DEV_DIR}/{DEV_KEY_FILE}")

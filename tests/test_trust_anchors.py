"""policies/trust/signers.yaml: what it accepts, and how a signer is judged against it (fast, no pipeline)."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from conftest import REPO_ROOT
from vigil.compliance.keys import make_self_signed
from vigil.compliance.trust import (
    ANCHORS_PATH,
    Anchor,
    TrustStore,
    judge_signer,
    load_trust_store,
    parse_anchors,
)
from vigil.errors import VigilError

DAY = dt.datetime(2027, 3, 1, 12, tzinfo=dt.UTC)


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def _anchor(certificate: x509.Certificate, **kwargs) -> Anchor:
    fields = {"id": "release-a", "role": "release", "path": "policies/trust/release-a.pem"}
    fields.update(valid_from=dt.date(2027, 1, 1), valid_until=None)
    fields.update(kwargs)
    return Anchor(certificate=certificate, **fields)


def _store(*anchors: Anchor) -> TrustStore:
    return TrustStore(anchors=anchors, source=ANCHORS_PATH)


def test_the_committed_anchors_file_is_valid():
    store = load_trust_store(REPO_ROOT)
    assert store is not None and store.source.startswith(ANCHORS_PATH)


def test_a_signer_counts_only_inside_its_window_before_revocation_and_in_its_role():
    _, certificate = make_self_signed("Release signer", development=False)
    assert judge_signer(certificate, DAY, _store(_anchor(certificate))).ok
    rotated = _anchor(certificate, valid_until=dt.date(2027, 2, 28))
    assert "outside that window" in judge_signer(certificate, DAY, _store(rotated)).detail
    early = _anchor(certificate, valid_from=dt.date(2027, 3, 2))
    assert not judge_signer(certificate, DAY, _store(early)).ok
    revoked = _anchor(certificate, revoked_on=dt.date(2027, 2, 1), revocation_reason="key leaked")
    verdict = judge_signer(certificate, DAY, _store(revoked))
    assert not verdict.ok and "revoked on 2027-02-01 (key leaked)" in verdict.detail
    before = judge_signer(certificate, DAY - dt.timedelta(days=40), _store(revoked))
    assert before.ok and "only a trusted timestamp could prove" in before.detail  # said, not hidden
    assert (
        "not pull-request" in judge_signer(certificate, DAY, _store(_anchor(certificate)), role="pull-request").detail
    )
    assert not judge_signer(certificate, None, _store(_anchor(certificate))).ok  # no signing time, no verdict


def test_lookalikes_development_keys_and_missing_anchors_are_refused():
    _, genuine = make_self_signed("Vigil release signer", development=False)
    _, lookalike = make_self_signed("Vigil release signer", development=False)
    store = _store(_anchor(genuine))
    assert "not anchored" in judge_signer(lookalike, DAY, store).detail
    _, development = make_self_signed()
    assert not judge_signer(development, DAY, store).ok
    assert judge_signer(development, DAY, store, allow_development=True).ok
    assert "no trust anchors found" in judge_signer(genuine, DAY, None).detail
    assert judge_signer(lookalike, DAY, store, explicit=[lookalike]).ok  # --trust replaces the anchors
    assert not judge_signer(genuine, DAY, store, explicit=[lookalike]).ok


def test_a_certificate_issued_by_an_anchored_ca_is_accepted():
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Org signing CA")])
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(1)
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Release 2027")]))
        .issuer_name(ca_name)
        .public_key(leaf_key.public_key())
        .serial_number(2)
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=730))
        .sign(ca_key, hashes.SHA256())
    )
    verdict = judge_signer(leaf, DAY, _store(_anchor(ca, id="org-ca")))
    assert verdict.ok and verdict.anchor is not None and verdict.anchor.id == "org-ca"


def _anchors_yaml(fingerprint: str, name: str = "release-a.pem") -> bytes:
    return (
        "schema: vigil.trust/1\nsigners:\n"
        f"  - id: release-a\n    role: release\n    certificate: {name}\n"
        f"    fingerprint_sha256: '{fingerprint}'\n    valid_from: '2027-01-01'\n"
    ).encode()


def test_the_anchors_file_is_validated_and_pinned_by_fingerprint():
    _, certificate = make_self_signed("Release", development=False)
    files = {"policies/trust/release-a.pem": _pem(certificate)}
    good = certificate.fingerprint(hashes.SHA256()).hex()
    store = parse_anchors(_anchors_yaml(good), files.__getitem__)
    assert [a.id for a in store.anchors] == ["release-a"]
    with pytest.raises(VigilError, match="not the pinned"):
        parse_anchors(_anchors_yaml("0" * 64), files.__getitem__)  # a swapped certificate file
    with pytest.raises(VigilError, match="does not match"):
        parse_anchors(_anchors_yaml(good, name="../../etc/cert.pem"), files.__getitem__)  # no paths, names only
    _, development = make_self_signed()
    dev_files = {"policies/trust/release-a.pem": _pem(development)}
    with pytest.raises(VigilError, match="development certificate"):
        parse_anchors(_anchors_yaml(development.fingerprint(hashes.SHA256()).hex()), dev_files.__getitem__)


def test_only_committed_anchors_count(tmp_path: Path):
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "README").write_text("x")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init")
    _, certificate = make_self_signed("Release", development=False)
    trust = tmp_path / "policies" / "trust"
    trust.mkdir(parents=True)
    (trust / "release-a.pem").write_bytes(_pem(certificate))
    (trust / "signers.yaml").write_bytes(_anchors_yaml(certificate.fingerprint(hashes.SHA256()).hex()))
    assert load_trust_store(tmp_path) is None  # on disk, not committed: not trusted
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "anchor")
    store = load_trust_store(tmp_path)
    assert store is not None and store.anchors[0].certificate == certificate


def test_trust_add_refuses_development_certificates_bad_dates_and_duplicates(tmp_path: Path):
    from conftest import run
    from vigil.compliance.keys import write_identity

    key, development = make_self_signed()
    write_identity(key, development, tmp_path / "dev-key.pem", tmp_path / "dev.pem")
    refused = run(
        ["vigil", "trust", "add", str(tmp_path / "dev.pem"), "--id", "a", "--role", "release"], tmp_path, check=False
    )
    assert refused.returncode == 2 and "development certificate cannot be a trust anchor" in refused.stderr
    made = run(["vigil", "keys", "create", "--common-name", "Release", "--out", str(tmp_path / "k")], tmp_path)
    assert "SHA-256" in made.stdout and (tmp_path / "k/signing-key.pem").stat().st_mode & 0o077 == 0
    cert = str(tmp_path / "k/signing-cert.pem")
    bad_day = run(
        ["vigil", "trust", "add", cert, "--id", "a", "--role", "release", "--valid-from", "2026-13-01"],
        tmp_path,
        check=False,
    )
    assert bad_day.returncode == 2 and "--valid-from '2026-13-01': expected a date" in bad_day.stderr
    run(["vigil", "trust", "add", cert, "--id", "release-a", "--role", "release"], tmp_path)
    store = parse_anchors((tmp_path / ANCHORS_PATH).read_bytes(), lambda p: (tmp_path / p).read_bytes())
    assert [a.id for a in store.anchors] == ["release-a"]  # what `trust add` writes passes the schema
    again = run(["vigil", "trust", "add", cert, "--id", "release-a", "--role", "release"], tmp_path, check=False)
    assert again.returncode == 2 and "already anchored" in again.stderr

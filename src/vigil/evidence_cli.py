"""The auditor's and the key holder's sub-commands: ``keys``, ``trust``, ``verify``, ``retrieve``.

Parsing only; the library decides (:mod:`vigil.compliance.trust`,
:mod:`~vigil.compliance.verification`, :mod:`~vigil.compliance.retrieval`).
Exit codes: 0 verified, 1 a check failed, 2 a usage or input error (one line).
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
from pathlib import Path
from typing import Any

from vigil.errors import VigilError
from vigil.yaml_text import load_yaml

ROLE_HELP = "require this signer role (release: what main and tags ship; pull-request: CI's run of a PR)"


def _keys_init(args: argparse.Namespace) -> int:
    """Create the development signing key and certificate under .vigil/ (git-ignored)."""
    from vigil.compliance.keys import init_dev_keys

    key, cert, created = init_dev_keys(args.repo, force=args.force)
    print(f"{'created' if created else 'kept existing'} development key {key} and certificate {cert}")
    return 0


def _keys_create(args: argparse.Namespace) -> int:
    """A release or pull-request signing key for CI secrets; the certificate is what `trust add` pins."""
    from vigil.compliance.keys import make_self_signed, write_identity
    from vigil.compliance.trust import fingerprint

    if args.days < 1:
        raise VigilError(f"--days {args.days}: a certificate must be valid for at least one day")
    out = Path(args.out)
    key_path, cert_path = out / "signing-key.pem", out / "signing-cert.pem"
    if key_path.exists() or cert_path.exists():
        raise VigilError(f"{out}: already holds a signing key or certificate (refusing to overwrite)")
    out.mkdir(parents=True, exist_ok=True)
    key, certificate = make_self_signed(args.common_name, development=False, days=args.days)
    write_identity(key, certificate, key_path, cert_path)
    print(f"key {key_path} (keep it secret: a CI secret, never in git)")
    print(f"certificate {cert_path}, SHA-256 {fingerprint(certificate)}")
    print(f"next: vigil trust add {cert_path} --id <name> --role <release|pull-request>, then commit policies/trust/")
    return 0


def _trust_add(args: argparse.Namespace) -> int:
    """Pin a signer certificate: copy it into policies/trust/ and list it in signers.yaml."""
    from cryptography.hazmat.primitives import serialization

    from vigil.compliance.keys import is_development_certificate, load_certificate
    from vigil.compliance.trust import ANCHORS_PATH, SCHEMA, TRUST_DIR, anchor_entry, render_anchors
    from vigil.io import atomic_path, write_text

    repo = Path(args.repo)
    certificate = load_certificate(_read(args.certificate), args.certificate)
    if is_development_certificate(certificate):
        raise VigilError(f"{args.certificate}: a development certificate cannot be a trust anchor")
    anchors_file = repo / ANCHORS_PATH
    document: dict[str, Any] = (
        load_yaml(anchors_file.read_text("utf-8")) if anchors_file.is_file() else {"schema": SCHEMA, "signers": []}
    )
    if any(entry.get("id") == args.id for entry in document.get("signers") or []):
        raise VigilError(f"{anchors_file}: a signer with id {args.id!r} is already anchored")
    file_name = f"{args.id}.pem"
    valid_from = _day(args.valid_from, "--valid-from") if args.valid_from else dt.datetime.now(dt.UTC).date()
    valid_until = _day(args.valid_until, "--valid-until") if args.valid_until else None
    if valid_until and valid_until < valid_from:
        raise VigilError(f"--valid-until {valid_until} is before --valid-from {valid_from}")
    entry = anchor_entry(args.id, args.role, certificate, file_name, valid_from, valid_until)
    document.setdefault("signers", []).append(entry)
    with atomic_path(repo / TRUST_DIR / file_name) as staged:
        staged.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    write_text(anchors_file, render_anchors(document))
    print(f"anchored {args.id} ({args.role}) at {TRUST_DIR}/{file_name}, SHA-256 {entry['fingerprint_sha256']}")
    print("commit policies/trust/ and have it reviewed: only committed anchors are trusted")
    return 0


def _day(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise VigilError(f"{option} {value!r}: expected a date, YYYY-MM-DD") from None


def _trust_list(args: argparse.Namespace) -> int:
    """The anchors committed at HEAD (what verify and retrieve trust)."""
    from vigil.compliance.trust import anchors_summary, load_trust_store

    store = load_trust_store(Path(args.repo))
    rows = anchors_summary(store)
    if not rows:
        print("no signer is anchored (policies/trust/signers.yaml committed at HEAD lists none)")
        return 0
    for row in rows:
        print(f"{row['id']}  {row['role']}  {row['status']}  valid {row['window']}  {row['certificate']}")
        print(f"    SHA-256 {row['fingerprint_sha256']}")
    return 0


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise VigilError(f"{path}: cannot be read ({exc.strerror or exc})") from None


def _explicit(paths: list[str] | None) -> tuple[Any, ...]:
    from vigil.compliance.keys import load_certificate

    return tuple(load_certificate(_read(p), p) for p in paths or [])


def _anchors_checkout(*candidates: Path | None) -> Path | None:
    from vigil.compliance.revision_binding import git_toplevel

    for candidate in candidates:
        if candidate is not None and candidate.exists():
            top = git_toplevel(candidate.resolve())
            if top is not None:
                return top
    return None


def _policy(args: argparse.Namespace, checkout: Path | None) -> Any:
    from vigil.compliance.trust import load_trust_store
    from vigil.compliance.verification import TrustPolicy

    explicit = _explicit(args.trust)
    store = None if explicit or checkout is None else load_trust_store(checkout)
    return TrustPolicy(store=store, explicit=explicit, allow_development=args.allow_development, role=args.role)


def _anchors_line(policy: Any, checkout: Path | None) -> str:
    if policy.explicit:
        return "trusting only the --trust certificate(s)"
    if policy.store is None:
        return f"no trust anchors found (looked in {checkout or 'no git checkout'})"
    return f"anchors from {policy.store.source}: {len(policy.store.anchors)} signer(s)"


def _verify(args: argparse.Namespace) -> int:
    """Signatures, anchors, hashes and revision binding of evidence, a bundle, a retrieved tree or a PDF."""
    from vigil.compliance.revision_binding import from_revision
    from vigil.compliance.verification import format_verification, verify_evidence

    target = Path(args.path)
    if not target.exists():
        raise VigilError(f"{target}: no such file or directory")
    checkout = _anchors_checkout(Path(args.repo) if args.repo else None, target, Path.cwd())
    policy = _policy(args, checkout)
    binding = None
    if args.rev:
        if checkout is None:
            raise VigilError("--rev needs a git checkout (pass --repo)")
        binding = from_revision(checkout, args.rev)
    verification = verify_evidence(target, policy, binding=binding, bundle=args.bundle)
    print(_anchors_line(policy, checkout))
    print(format_verification(verification))
    return 0 if verification.ok else 1


def _retrieve(args: argparse.Namespace) -> int:
    """Fetch a revision's evidence from the DVC remote, check it against that revision's dvc.lock, verify it."""
    from vigil.compliance.retrieval import retrieve_checked
    from vigil.compliance.verification import Verification, format_verification, verify_evidence

    local_repo = Path(args.repo) if Path(args.repo).exists() else None
    checkout = _anchors_checkout(Path.cwd(), local_repo)
    policy = _policy(args, checkout)
    out = Path(args.out)
    retrieved = retrieve_checked(args.repo, args.rev, out, remote=args.remote)
    print(_anchors_line(policy, checkout))
    if retrieved.evidence is None:
        verification = Verification(retrieved.checks)
        print(f"nothing was written to {out}: the fetched evidence is not what revision {args.rev} records")
    else:
        checked = verify_evidence(retrieved.evidence, policy, binding=retrieved.binding)
        verification = Verification([*retrieved.checks, *checked.checks], checked.facts)
        print(f"retrieved evidence of {args.rev} into {out}")
    print(format_verification(verification))
    if retrieved.evidence is not None and not verification.ok:
        shutil.rmtree(out)
        print(f"removed {out}: evidence that fails verification is not left where it could be mistaken for good")
    return 0 if verification.ok else 1


def _trust_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--trust",
        action="append",
        metavar="CERT",
        help="trust only this PEM certificate (or what it issued) instead of policies/trust/; repeatable",
    )
    command.add_argument(
        "--allow-development",
        action="store_true",
        help="accept a development signature (a local run's key): proves integrity, not who signed",
    )
    command.add_argument("--role", choices=("release", "pull-request"), help=ROLE_HELP)


def add_evidence_commands(commands: Any) -> None:
    """Register ``keys``, ``trust``, ``verify`` and ``retrieve`` on the ``vigil`` parser."""
    keys = commands.add_parser("keys", help="signing keys")
    keys_commands = keys.add_subparsers(dest="keys_command", required=True)
    init = keys_commands.add_parser("init", help="create a development key and certificate under .vigil/")
    init.add_argument("--repo", default=".", help="repository root (default: current directory)")
    init.add_argument("--force", action="store_true", help="replace an existing development key")
    init.set_defaults(handler=_keys_init)
    create = keys_commands.add_parser("create", help="a release or pull-request signing key for a CI secret")
    create.add_argument("--common-name", required=True, help='e.g. "Acme model release signer"')
    create.add_argument("--out", required=True, help="directory outside the repository for the key and certificate")
    create.add_argument("--days", type=int, default=730, help="certificate validity (default: 730)")
    create.set_defaults(handler=_keys_create)

    trust = commands.add_parser("trust", help="the signer certificates pinned in policies/trust/")
    trust_commands = trust.add_subparsers(dest="trust_command", required=True)
    add = trust_commands.add_parser("add", help="pin a signer certificate in policies/trust/")
    add.add_argument("certificate", help="PEM certificate (public; never the key)")
    add.add_argument("--id", required=True, help="stable name, e.g. release-2026")
    add.add_argument("--role", required=True, choices=("release", "pull-request", "timestamp-authority"))
    add.add_argument("--valid-from", help="first day its signatures count (default: today, UTC)")
    add.add_argument("--valid-until", help="last day its signatures count (default: open)")
    add.add_argument("--repo", default=".", help="repository root (default: current directory)")
    add.set_defaults(handler=_trust_add)
    listing = trust_commands.add_parser("list", help="the anchors committed at HEAD")
    listing.add_argument("--repo", default=".", help="repository root (default: current directory)")
    listing.set_defaults(handler=_trust_list)

    verify = commands.add_parser("verify", help="verify signed evidence (directory, bundle, retrieved tree or PDF)")
    verify.add_argument("path", help="reports/compliance, a release bundle, a `vigil retrieve` output, or a PDF")
    verify.add_argument("--rev", help="bind the evidence to this revision (commit, dvc.lock, params.yaml)")
    verify.add_argument(
        "--repo", help="git checkout whose committed anchors are trusted and --rev is read from (default: found)"
    )
    verify.add_argument(
        "--bundle", action="store_true", help="PATH holds a release's files only (PDF, manifest, signature, cert)"
    )
    _trust_options(verify)
    verify.set_defaults(handler=_verify)

    retrieve = commands.add_parser(
        "retrieve", help="fetch a git revision's evidence from the DVC remote, check it against git, verify it"
    )
    retrieve.add_argument("--rev", required=True, help="tag, branch or commit")
    retrieve.add_argument("--out", required=True, help="empty or new directory to write into")
    retrieve.add_argument("--repo", default=".", help="repository path or git URL (default: current directory)")
    retrieve.add_argument("--remote", help="DVC remote name (default: the revision's default remote)")
    _trust_options(retrieve)
    retrieve.set_defaults(handler=_retrieve)

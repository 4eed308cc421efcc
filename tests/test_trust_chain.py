"""The trust chain, attacked as a hostile auditor would: anchors in git, hashes in dvc.lock, revision binding.

Real components: git, dvc with its default local remote (the DVC cache is
deleted before every retrieval, so evidence bytes come from the remote),
pdftotext, and ``vigil`` as a subprocess. The release-signed repository is
conftest's ``release_repo``: a release key made with ``vigil keys create``,
anchored with ``vigil trust add`` and committed, two tagged revisions signed
with it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

from conftest import release_env as _release_env
from conftest import run
from vigil.compliance.canonical import canonical_json
from vigil.compliance.detached_signature import sign_bytes
from vigil.compliance.keys import load_identity, make_self_signed, write_identity

EVIDENCE = "reports/compliance"


def _copy(repo: Path, target: Path) -> Path:
    shutil.copytree(repo, target, symlinks=True)
    shutil.copytree(repo.parent / "release-key", target.parent / "release-key", dirs_exist_ok=True)
    return target


def _without_cache(repo: Path) -> Path:
    shutil.rmtree(repo / ".dvc" / "cache", ignore_errors=True)
    return repo


def _remote_object(repo: Path, md5: str) -> Path:
    return repo / ".dvc-storage" / "files" / "md5" / md5[:2] / md5[2:]


def _listing(repo: Path, directory: str, rev: str = "HEAD") -> dict[str, str]:
    """The per-file MD5s of a locked output directory at ``rev`` (from the remote's .dir object)."""
    import yaml

    lock = yaml.safe_load(run(["git", "show", f"{rev}:dvc.lock"], repo).stdout)
    md5 = next(o["md5"] for s in lock["stages"].values() for o in s.get("outs", []) if o["path"] == directory)
    entries = json.loads(_remote_object(repo, md5).read_text())
    return {e["relpath"]: e["md5"] for e in entries}


def _tree(repo: Path, target: Path) -> Path:
    """What `vigil retrieve` writes (the manifest's files at their paths, the evidence, dvc.lock), by copying."""
    manifest = json.loads((repo / EVIDENCE / "manifest.json").read_bytes())
    for relative in [a["path"] for a in manifest["artifacts"]] + [
        f"{EVIDENCE}/manifest.json",
        f"{EVIDENCE}/manifest.sig",
    ]:
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(repo / relative, target / relative)
    shutil.copy2(repo / "dvc.lock", target / "dvc.lock")
    return target


def _pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def test_release_evidence_verifies_against_the_committed_anchor(release_repo: Path):
    result = run(["vigil", "verify", EVIDENCE], release_repo)
    head = run(["git", "rev-parse", "HEAD~1"], release_repo).stdout.strip()
    assert "verification passed (7/7 checks)" in result.stdout
    assert "anchored as release-test at policies/trust/release-test.pem (release" in result.stdout
    verdict = json.loads((release_repo / "reports/policy.json").read_text())["verdict"].upper()
    assert (
        f"commit: {head}" in result.stdout and f"verdict: {verdict}" in result.stdout and "created: 20" in result.stdout
    )
    role = run(["vigil", "verify", EVIDENCE, "--role", "pull-request"], release_repo, check=False)
    assert role.returncode == 1 and "with role release, not pull-request" in role.stdout

    text = _pdf_text(release_repo / EVIDENCE / "compliance.pdf")
    assert "Which certificate to trust" in text and "anchored there as release-test" in " ".join(text.split())
    summary = (release_repo / EVIDENCE / "summary.md").read_text()
    assert "anchored as `release-test` (release)" in summary and "--trust <signer.pem>" not in summary


def test_a_lookalike_certificate_fails_verify_and_retrieve_by_default(release_repo: Path, tmp_path: Path):
    """The issue's forgery: raise accuracy, rebuild and re-sign everything with a self-made "Vigil release signer"."""
    repo = _copy(release_repo, tmp_path / "repo")
    forger = tmp_path / "forger"
    forger.mkdir()
    key, certificate = make_self_signed("Vigil release signer", development=False)
    write_identity(key, certificate, forger / "signing-key.pem", forger / "signing-cert.pem")
    metrics = json.loads((repo / "reports/metrics.json").read_text())
    metrics["accuracy"] = min(0.9956, metrics["accuracy"] + 0.05)
    (repo / "reports/metrics.json").write_text(json.dumps(metrics, indent=2))
    run(["python", "stages/report.py"], repo, env=_release_env(forger))
    signer = json.loads((repo / EVIDENCE / "manifest.json").read_text())["signer"]
    assert signer["subject"] == "O=Vigil,CN=Vigil release signer"  # the same name as the genuine signer

    forged = run(["vigil", "verify", EVIDENCE], repo, check=False)
    assert forged.returncode == 1
    assert "FAIL  signer: O=Vigil,CN=Vigil release signer" in forged.stdout
    assert "not anchored in policies/trust/signers.yaml at HEAD" in forged.stdout
    # The certificate swap that fooled --trust <signer.pem> does not help: the anchor comes from git.
    assert "PASS  manifest signature" in forged.stdout and "PASS  artifact hashes" in forged.stdout

    # The forgery committed and pushed as if it were a revision's evidence: hashes agree with that lock, the signer not.
    run(["dvc", "commit", "--force"], repo)
    run(["dvc", "push"], repo)
    run(["git", "add", "-A"], repo)
    run(["git", "commit", "-qm", "forged evidence"], repo)
    run(["git", "tag", "forged"], repo)
    _without_cache(repo)
    out = tmp_path / "out"
    retrieved = run(["vigil", "retrieve", "--rev", "forged", "--out", str(out)], repo, check=False)
    assert retrieved.returncode == 1 and "not anchored" in retrieved.stdout and not out.exists()

    # The forgery written over v1's objects in the remote: dvc.lock at v1 (git) names the bytes, so it is caught first.
    v1 = _copy(release_repo, tmp_path / "v1")
    genuine = _listing(v1, EVIDENCE, "v1")
    for name, md5 in genuine.items():
        _remote_object(v1, md5).chmod(0o644)
        _remote_object(v1, md5).write_bytes((repo / EVIDENCE / name).read_bytes())
    _without_cache(v1)
    swapped = run(["vigil", "retrieve", "--rev", "v1", "--out", str(tmp_path / "v1-out")], v1, check=False)
    assert swapped.returncode == 1 and "FAIL  dvc.lock hashes" in swapped.stdout
    for name in ("compliance.pdf", "manifest.json", "manifest.sig", "signer.pem"):
        assert f"{EVIDENCE}/{name}: MD5" in swapped.stdout, name
    assert not (tmp_path / "v1-out").exists()


def test_a_tampered_remote_object_fails_retrieve_naming_the_file(release_repo: Path, tmp_path: Path):
    repo = _copy(release_repo, tmp_path / "repo")
    target = _remote_object(repo, _listing(repo, "models/model", "v1")["model.json"])
    target.chmod(0o644)
    target.write_bytes(target.read_bytes().replace(b'"family"', b'"famil_"'))
    _without_cache(repo)
    result = run(["vigil", "retrieve", "--rev", "v1", "--out", str(tmp_path / "out")], repo, check=False)
    assert result.returncode == 1
    assert "models/model/model.json: MD5" in result.stdout and "dvc.lock records" in result.stdout
    assert not (tmp_path / "out").exists()
    good = run(["vigil", "retrieve", "--rev", "v2", "--out", str(tmp_path / "v2")], repo, check=False)
    assert "models/model/model.json: MD5" in good.stdout  # v2 shares the model object: caught there too


def test_a_revision_whose_outputs_were_never_pushed_is_named_in_one_line(release_repo: Path, tmp_path: Path):
    repo = _without_cache(_copy(release_repo, tmp_path / "repo"))
    shutil.rmtree(repo / ".dvc-storage")  # committed, never pushed: the remote has nothing of it
    result = run(["vigil", "retrieve", "--rev", "HEAD", "--out", str(tmp_path / "out")], repo, check=False)
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert "is not in the DVC remote: was `dvc push` run after that commit?" in result.stderr
    assert not (tmp_path / "out").exists()


def test_old_revisions_come_back_from_the_remote_and_bind_only_to_their_own_revision(
    release_repo: Path, tmp_path: Path
):
    repo = _without_cache(_copy(release_repo, tmp_path / "repo"))  # every evidence byte from the remote
    at_v1 = run(["vigil", "verify", EVIDENCE, "--rev", "v1"], repo, check=False)
    assert at_v1.returncode == 1 and "dvc.lock of revision v1" in at_v1.stdout
    assert "is not the pipeline state the manifest signed" in at_v1.stdout
    assert "params.yaml of revision v1" in at_v1.stdout
    assert run(["vigil", "verify", EVIDENCE, "--rev", "v2"], repo).returncode == 0

    tree = tmp_path / "v1"
    old = run(["vigil", "retrieve", "--rev", "v1", "--out", str(tree), "--role", "release"], repo)
    assert "verification passed (8/8 checks)" in old.stdout and "locked outputs fetched" in old.stdout
    assert "dvc.lock and params.yaml of revision v1" in old.stdout and "anchored as release-test" in old.stdout
    new = run(["vigil", "retrieve", "--repo", str(repo), "--rev", "main", "--out", str(tmp_path / "main")], repo)
    assert "verification passed" in new.stdout
    manifests = [json.loads((tmp_path / r / EVIDENCE / "manifest.json").read_text()) for r in ("v1", "main")]
    pdfs = [{a["path"]: a["sha256"] for a in m["artifacts"]}[f"{EVIDENCE}/compliance.pdf"] for m in manifests]
    assert pdfs[0] != pdfs[1] and manifests[0]["params_sha256"] != manifests[1]["params_sha256"]
    assert (tree / "data/processed/train.parquet").is_file()
    assert not (tree / "data/interim/raw.parquet").exists()  # raw personal data is never handed out

    assert run(["vigil", "verify", str(tree), "--repo", str(repo)], tmp_path).returncode == 0
    (tree / "dvc.lock").write_text((repo / "dvc.lock").read_text())  # v1's evidence beside v2's lock
    mixed = run(["vigil", "verify", str(tree), "--repo", str(repo)], tmp_path, check=False)
    assert mixed.returncode == 1 and "FAIL  revision binding: dvc.lock of the files beside the evidence" in mixed.stdout

    unknown = run(["vigil", "retrieve", "--rev", "no-such-tag", "--out", str(tmp_path / "x")], repo, check=False)
    assert unknown.returncode == 2 and "vigil: error: unknown revision 'no-such-tag'" in unknown.stderr
    busy = run(["vigil", "retrieve", "--rev", "v1", "--out", str(tree)], repo, check=False)
    assert busy.returncode == 2 and "not empty" in busy.stderr


def test_a_revision_whose_code_changed_without_a_rerun_is_refused(release_repo: Path, tmp_path: Path):
    repo = _copy(release_repo, tmp_path / "repo")
    module = repo / "src/vigil/evaluation/metrics.py"
    module.write_text(module.read_text() + "\n# changed after the run\n")
    run(["git", "commit", "-qam", "change training code, no dvc repro"], repo)
    assert "modified" in run(["dvc", "status"], repo).stdout  # DVC sees it in the checkout
    result = run(["vigil", "retrieve", "--rev", "HEAD", "--out", str(tmp_path / "out")], repo, check=False)
    assert result.returncode == 1
    assert "FAIL  revision state" in result.stdout and "src/vigil/evaluation/metrics.py changed" in result.stdout


def test_the_release_bundle_verifies_on_its_own(release_repo: Path, tmp_path: Path):
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    for name in ("compliance.pdf", "manifest.json", "manifest.sig", "signer.pem"):
        shutil.copy2(release_repo / EVIDENCE / name, bundle / name)
    command = ["vigil", "verify", "--bundle", str(bundle), "--rev", "v2", "--role", "release"]
    result = run(command, release_repo)
    assert "verification passed (7/7 checks)" in result.stdout and "NOTE  bundle scope" in result.stdout
    assert "2 files match the manifest" in result.stdout
    pdf = bundle / "compliance.pdf"
    pdf.write_bytes(pdf.read_bytes().replace(b"/Producer", b"/Producex", 1))
    assert run(command, release_repo, check=False).returncode == 1


def _resign(tree: Path, keys: Path, change) -> None:
    """Change the manifest and sign it again with the (anchored) release key: only content checks can object."""
    manifest = json.loads((tree / EVIDENCE / "manifest.json").read_bytes())
    change(manifest)
    data = canonical_json(manifest)
    identity = load_identity(tree, _release_env(keys))
    (tree / EVIDENCE / "manifest.json").write_bytes(data)
    (tree / EVIDENCE / "manifest.sig").write_bytes(sign_bytes(identity.key, data))


def test_manifest_paths_outside_the_tree_and_symlinks_are_refused(release_repo: Path, tmp_path: Path):
    keys = release_repo.parent / "release-key"
    tree = _tree(release_repo, tmp_path / "tree")
    passwd = {"path": "../../../../../../etc/passwd", "kind": "source", "bytes": 1, "sha256": "0" * 64}
    absolute = {**passwd, "path": "/etc/passwd"}
    _resign(tree, keys, lambda m: m["artifacts"].extend([passwd, absolute]))
    result = run(["vigil", "verify", str(tree), "--repo", str(release_repo)], tmp_path, check=False)
    assert result.returncode == 1
    assert "'../../../../../../etc/passwd': refused" in result.stdout and "'/etc/passwd': refused" in result.stdout

    tree2 = _tree(release_repo, tmp_path / "tree2")
    (tree2 / EVIDENCE / "more").symlink_to(tree2 / "models")  # a symlinked directory inside the evidence
    linked = run(["vigil", "verify", str(tree2), "--repo", str(release_repo)], tmp_path, check=False)
    assert linked.returncode == 1 and "symlinks are refused: more" in linked.stdout
    (tree2 / EVIDENCE / "more").unlink()
    shutil.move(tree2 / "models", tmp_path / "elsewhere")
    (tree2 / "models").symlink_to(tmp_path / "elsewhere")  # listed files reached through a symlink
    through = run(["vigil", "verify", str(tree2), "--repo", str(release_repo)], tmp_path, check=False)
    assert through.returncode == 1 and "models/model/model.json: refused (reaches models, a symlink)" in through.stdout


def test_hostile_inputs_get_one_line_errors_quickly(release_repo: Path, tmp_path: Path):
    missing = run(["vigil", "verify", EVIDENCE, "--trust", "no-such.pem"], release_repo, check=False)
    assert (
        missing.returncode == 2 and missing.stderr.count("\n") == 1 and "no-such.pem: cannot be read" in missing.stderr
    )

    tree = _tree(release_repo, tmp_path / "tree")
    manifest = tree / EVIDENCE / "manifest.json"
    original = manifest.read_bytes()
    manifest.write_bytes(original[:-1] + b"," + b'"pad":"' + b"x" * (20 << 20) + b'"}')  # 20 MB, unsigned
    started = time.monotonic()
    huge = run(["vigil", "verify", str(tree), "--repo", str(release_repo)], tmp_path, check=False)
    assert huge.returncode == 1 and "over the 16777216-byte limit (not read)" in huge.stdout
    assert time.monotonic() - started < 20 and "Traceback" not in huge.stderr

    manifest.write_bytes(original)
    keys = release_repo.parent / "release-key"
    deep = original[:-1] + b',"zz":' + b'{"x":' * 100_000 + b"{}" + b"}" * 100_000 + b"}"
    identity = load_identity(tree, _release_env(keys))
    manifest.write_bytes(deep)
    (tree / EVIDENCE / "manifest.sig").write_bytes(sign_bytes(identity.key, deep))  # validly signed, hostile depth
    nested = run(["vigil", "verify", str(tree), "--repo", str(release_repo)], tmp_path, check=False)
    assert nested.returncode == 1 and "Traceback" not in nested.stderr
    assert "FAIL  manifest format: manifest.json is not canonical JSON" in nested.stdout

"""The report stage's signed evidence, checked by Vigil and independently by pdfsig and openssl.

One small pipeline repo (conftest's ``evidence_repo``: 900 records, real `dvc repro`
with a development key) serves every test here; tests that change files work on copies.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from conftest import run
from local_tsa import local_tsa
from vigil.compliance.keys import load_certificate, make_self_signed, write_identity
from vigil.compliance.manifest import lock_stages_digest
from vigil.compliance.pdf_archive import ATTACHED_REPORTS, attachment_problems, read_archive
from vigil.compliance.pdf_verification import der_length
from vigil.compliance.verification import TrustPolicy, verify_evidence

EVIDENCE = "reports/compliance"
DEV = TrustPolicy(allow_development=True)  # the shared run is signed with a development key


def _copy_evidence_tree(repo: Path, target: Path) -> Path:
    """The files the manifest lists, at their paths, plus the evidence directory (what retrieve produces)."""
    manifest = json.loads((repo / EVIDENCE / "manifest.json").read_bytes())
    for entry in manifest["artifacts"]:
        (target / entry["path"]).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(repo / entry["path"], target / entry["path"])
    for name in ("manifest.json", "manifest.sig"):
        shutil.copy2(repo / EVIDENCE / name, target / EVIDENCE / name)
    return target


def test_repro_ends_with_signed_evidence_that_verifies(evidence_repo: Path):
    evidence = evidence_repo / EVIDENCE
    assert sorted(p.name for p in evidence.iterdir()) == [
        "compliance.pdf",
        "manifest.json",
        "manifest.sig",
        "signer.pem",
        "summary.md",
    ]
    plain = run(["vigil", "verify", EVIDENCE], evidence_repo, check=False)
    assert plain.returncode == 1 and "development signature (a local run's key)" in plain.stdout  # not by default
    result = run(["vigil", "verify", EVIDENCE, "--allow-development"], evidence_repo)
    assert "verification passed (7/7 checks)" in result.stdout
    commit = run(["git", "rev-parse", "HEAD~1"], evidence_repo).stdout.strip()
    verdict = json.loads((evidence_repo / "reports/policy.json").read_text())["verdict"].upper()
    assert f"commit: {commit}" in result.stdout and f"verdict: {verdict}" in result.stdout  # what it vouches for
    assert f"computed at {commit[:12]}, an ancestor of" in result.stdout  # bound to the checkout's revision
    pinned = run(["vigil", "verify", EVIDENCE, "--trust", ".vigil/signing-cert.pem"], evidence_repo)
    assert "trusted explicitly (--trust)" in pinned.stdout
    pdf_only = run(["vigil", "verify", f"{EVIDENCE}/compliance.pdf", "--allow-development"], evidence_repo)
    assert "covers the whole file" in pdf_only.stdout and pdf_only.returncode == 0

    manifest_bytes = (evidence / "manifest.json").read_bytes()
    manifest = json.loads(manifest_bytes)
    paths = {a["path"] for a in manifest["artifacts"]}
    for expected in (
        "data/processed/train.parquet",
        "data/interim/scrubbed.parquet",
        "models/model/model.json",
        "reports/metrics.json",
        "reports/fairness.json",
        "reports/policy.json",
        "reports/compliance/compliance.pdf",
        "reports/compliance/summary.md",
        "params.yaml",
        "policies/fairness.yaml",
    ):
        assert expected in paths
    assert not paths & {"data/interim/raw.parquet", "data/interim/pii_gold.jsonl"}  # raw personal data stays out
    assert manifest["git"]["commit"] and manifest["tools"]["pyHanko"] and manifest["created_utc"].endswith("Z")
    assert manifest["dvc_lock"]["stages_sha256"] == lock_stages_digest((evidence_repo / "dvc.lock").read_text())
    assert manifest_bytes == json.dumps(manifest, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert json.loads((evidence_repo / "reports/policy.json").read_text())["verdict"] == manifest["verdict"]


def test_pdfsig_and_openssl_verify_independently(evidence_repo: Path, tmp_path: Path):
    evidence = evidence_repo / EVIDENCE
    pdfsig = subprocess.run(["pdfsig", str(evidence / "compliance.pdf")], capture_output=True, text=True, check=True)
    assert "Signature Validation: Signature is Valid." in pdfsig.stdout
    assert "Total document signed" in pdfsig.stdout and "ETSI.CAdES.detached" in pdfsig.stdout
    public = tmp_path / "signer.pub"
    public.write_bytes(
        subprocess.run(
            ["openssl", "x509", "-in", str(evidence / "signer.pem"), "-pubkey", "-noout"],
            capture_output=True,
            check=True,
        ).stdout
    )
    command = ["openssl", "dgst", "-sha256", "-verify", str(public), "-signature", str(evidence / "manifest.sig")]
    verified = subprocess.run([*command, str(evidence / "manifest.json")], capture_output=True, text=True)
    assert verified.returncode == 0 and "Verified OK" in verified.stdout
    altered = tmp_path / "manifest.json"
    altered.write_bytes((evidence / "manifest.json").read_bytes().replace(b'"verdict":"', b'"verdict":"x'))
    assert subprocess.run([*command, str(altered)], capture_output=True).returncode == 1


def test_pdf_reads_like_the_report_and_states_the_development_signature(evidence_repo: Path):
    pdf = evidence_repo / EVIDENCE / "compliance.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for heading in (
        "Model compliance report",
        "Development signature",
        "1. Model card",
        "Intended use",
        "Out-of-scope use",
        "2. Data and privacy",
        "Residual scan",
        "3. Performance",
        "Confusion matrix",
        "4. Robustness",
        "5. Fairness",
        "6. Explainability",
        "7. Policy results",
        "GDPR Art. 25",
        "8. Lineage",
        "9. Signature and verification",
    ):
        assert heading in text, heading
    commit = run(["git", "rev-parse", "HEAD~1"], evidence_repo).stdout.strip()
    assert commit[:12] in text  # the run started from the parent of the results commit
    # Every Annex IV / GDPR-LGPD item is indexed, and the sections it points to exist.
    from vigil.compliance.annex_iv import ITEMS

    reading = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout.split())
    for item in ITEMS:
        assert item.heading in reading, item.heading
    for heading in ("Version and changes since the previous release", "No previous release recorded", "4. Robustness"):
        assert heading in reading, heading
    # No record id of the data anywhere in the document: an id links a page back to the raw record and its person.
    ids = pd.read_parquet(evidence_repo / "data/interim/raw.parquet", columns=["record_id"])["record_id"]
    flat = " ".join(text.split())
    assert "Example 1 · true" in flat and not [i for i in ids if i in flat]
    assert "${" not in text  # lineage shows the paths DVC resolved from params.yaml, not its templates
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert 8 <= pages <= 40
    summary = (evidence_repo / EVIDENCE / "summary.md").read_text()
    assert len(summary) < 60_000 and summary.startswith("<!-- vigil-compliance -->")
    assert "| ✅ | `PERF-001`" in summary and "EU AI Act Art. 15(1)" in summary and "![" not in summary
    comment = run(["vigil", "pr-comment", "--evidence-url", "https://ci.invalid/runs/1"], evidence_repo).stdout
    assert "[workflow artifact](https://ci.invalid/runs/1)" in comment and len(comment) < 65_536


def _pdf_regions(pdf: bytes, certificate_der: bytes) -> dict[str, list[int]]:
    """Byte offsets in the parts of a signed PDF an attacker would touch (>= 200 in all)."""
    hex_start = pdf.rindex(b"/Contents <") + len(b"/Contents <")
    hex_end = pdf.index(b">", hex_start)
    blob = bytes.fromhex(pdf[hex_start:hex_end].decode())
    signed_length = der_length(blob)
    cert_at = hex_start + 2 * blob.index(certificate_der)
    signature_at = hex_start + 2 * (signed_length - 384)  # RSA-3072 signature value: the CMS's last 384 bytes
    first_stream = pdf.index(b"stream", pdf.index(b"/Length")) + len(b"stream\n")
    producer = pdf.index(b"/Producer")
    byte_range = pdf.rindex(b"/ByteRange")
    xref = pdf.rindex(b"xref")

    def spread(start: int, end: int, count: int) -> list[int]:
        step = max((end - start) // count, 1)
        return list(range(start, end, step))[:count]

    return {
        "header": spread(0, 9, 9),
        "content stream": spread(first_stream, first_stream + 3000, 40),
        "text and fonts": spread(len(pdf) // 5, len(pdf) // 2, 30),
        "metadata (/Producer)": spread(producer, producer + 40, 15),
        "certificate": spread(cert_at, cert_at + 2 * len(certificate_der), 40),
        "signature value": spread(signature_at, signature_at + 768, 30),
        "signature padding": spread(hex_start + 2 * signed_length, hex_end, 15),
        "byte range": spread(byte_range, byte_range + 40, 12),
        "xref and trailer": spread(xref, len(pdf), 15),
    }


def _flip(data: bytes, position: int) -> bytes:
    """One byte changed (to another printable byte, so text stays text)."""
    original = data[position]
    replacement = original ^ 0x01 if 0x21 <= original ^ 0x01 <= 0x7E else (0x41 if original != 0x41 else 0x42)
    return data[:position] + bytes([replacement]) + data[position + 1 :]


def test_every_single_byte_change_in_the_pdf_is_detected(evidence_repo: Path, tmp_path: Path):
    from cryptography.hazmat.primitives import serialization

    tree = _copy_evidence_tree(evidence_repo, tmp_path / "tree")
    pdf_path = tree / EVIDENCE / "compliance.pdf"
    original = pdf_path.read_bytes()
    certificate = load_certificate((tree / EVIDENCE / "signer.pem").read_bytes(), "signer.pem")
    regions = _pdf_regions(original, certificate.public_bytes(serialization.Encoding.DER))
    positions = sorted({p for offsets in regions.values() for p in offsets})
    assert len(positions) >= 200 and all(len(offsets) >= 9 for offsets in regions.values())
    assert all(c.ok for c in verify_evidence(tree, DEV))

    # The manifest's SHA-256 of the PDF fails on any changed byte; one flip shows the whole tree says so.
    pdf_path.write_bytes(_flip(original, positions[len(positions) // 2]))
    whole = verify_evidence(tree, DEV)
    assert not all(c.ok for c in whole) and any("compliance.pdf" in c.detail for c in whole if not c.ok)

    # The PDF's own signature must catch every flip too, without the manifest (a PDF travels alone).
    undetected = []
    for position in positions:
        pdf_path.write_bytes(_flip(original, position))
        if all(c.ok for c in verify_evidence(pdf_path, TrustPolicy(explicit=(certificate,)))):
            region = next(name for name, offsets in regions.items() if position in offsets)
            undetected.append((region, position))
    pdf_path.write_bytes(original)
    assert undetected == [], f"{len(undetected)} of {len(positions)} mutations passed: {undetected[:5]}"


def test_appended_update_truncation_and_trailing_bytes_are_detected(evidence_repo: Path, tmp_path: Path):
    tree = _copy_evidence_tree(evidence_repo, tmp_path / "tree")
    pdf_path = tree / EVIDENCE / "compliance.pdf"
    original = pdf_path.read_bytes()
    certificate = load_certificate((tree / EVIDENCE / "signer.pem").read_bytes(), "signer.pem")

    # An appended revision that changes document metadata: pyHanko alone calls the signature intact.
    writer = IncrementalPdfFileWriter(io.BytesIO(original))
    writer.root["/Lang"] = generic.TextStringObject("pt-BR")
    writer.update_root()
    updated = io.BytesIO()
    writer.write(updated)
    variants = {
        "incremental update": updated.getvalue(),
        "trailing bytes": original + b"\n%%EOF\n",
        "truncated": original[:-10],
    }
    for name, data in variants.items():
        pdf_path.write_bytes(data)
        alone = verify_evidence(pdf_path, TrustPolicy(explicit=(certificate,)))
        assert not all(c.ok for c in alone), name
        assert not all(c.ok for c in verify_evidence(tree, DEV)), name
    pdf_path.write_bytes(variants["incremental update"])
    detail = " ".join(c.detail for c in verify_evidence(pdf_path, TrustPolicy(explicit=(certificate,))))
    assert "does not cover the whole file" in detail


def test_every_manifest_listed_file_and_the_signature_files_are_tamper_evident(evidence_repo: Path, tmp_path: Path):
    tree = _copy_evidence_tree(evidence_repo, tmp_path / "tree")
    manifest = json.loads((tree / EVIDENCE / "manifest.json").read_bytes())
    targets = [a["path"] for a in manifest["artifacts"]] + [f"{EVIDENCE}/manifest.json", f"{EVIDENCE}/manifest.sig"]
    assert len(targets) >= 40
    for relative in targets:
        path = tree / relative
        original = path.read_bytes()
        path.write_bytes(_flip(original, len(original) // 2))
        checks = verify_evidence(tree, DEV)
        path.write_bytes(original)
        failed = [c for c in checks if not c.ok]
        assert failed, relative
        if relative.endswith(("manifest.json", "manifest.sig")):
            assert any(c.name == "manifest signature" for c in failed), relative
        elif not relative.endswith("signer.pem"):
            assert any(relative in c.detail for c in failed), relative

    missing = tree / "models/model/model.json"
    missing.unlink()
    detail = " ".join(c.detail for c in verify_evidence(tree, DEV) if not c.ok)
    assert "models/model/model.json: missing" in detail
    shutil.copy2(evidence_repo / "models/model/model.json", missing)
    (tree / EVIDENCE / "extra.txt").write_text("added later")
    assert "unlisted files: reports/compliance/extra.txt" in " ".join(c.detail for c in verify_evidence(tree, DEV))


def test_pinning_another_signer_fails(evidence_repo: Path, tmp_path: Path):
    key, certificate = make_self_signed("Bank release signer", development=False)
    write_identity(key, certificate, tmp_path / "key.pem", tmp_path / "cert.pem")
    result = run(["vigil", "verify", EVIDENCE, "--trust", str(tmp_path / "cert.pem")], evidence_repo, check=False)
    assert result.returncode == 1
    assert "not the --trust certificate and not issued by it" in result.stdout


def test_no_key_and_dev_keys_not_allowed_fails_without_writing(evidence_repo: Path, tmp_path: Path):
    repo = tmp_path / "copy"
    shutil.copytree(evidence_repo, repo, symlinks=True)
    shutil.rmtree(repo / ".vigil")
    before = {p.name: p.read_bytes() for p in (repo / EVIDENCE).iterdir()}
    direct = run(["python", "stages/report.py"], repo, env={"VIGIL_DEV_KEYS": "never"}, check=False)
    assert direct.returncode == 2
    assert "report: error: no signing key: set VIGIL_SIGNING_KEY and VIGIL_SIGNING_CERT" in direct.stderr
    assert {p.name: p.read_bytes() for p in (repo / EVIDENCE).iterdir()} == before  # previous evidence untouched
    report_only = ["dvc", "repro", "--force", "--single-item", "report"]
    under_ci = run(report_only, repo, env={"CI": "true", "VIGIL_DEV_KEYS": ""}, check=False)
    assert under_ci.returncode != 0 and "VIGIL_DEV_KEYS=never by default under CI" in under_ci.stderr
    assert not (repo / EVIDENCE).exists()  # DVC cleared the outputs; nothing unsigned took their place
    only_use = run(report_only, repo, env={"VIGIL_DEV_KEYS": "use"}, check=False)
    assert only_use.returncode != 0 and "vigil keys init" in only_use.stderr
    run(["vigil", "keys", "init"], repo)
    run(report_only, repo, env={"VIGIL_DEV_KEYS": "use"})
    assert "verification passed" in run(["vigil", "verify", EVIDENCE, "--allow-development"], repo).stdout


def test_a_missing_organisation_fact_reads_missing_in_the_pdf_and_trips_doc_005(pipeline_copy: Path):
    """Annex IV / GDPR facts come from policies/organisation/; a blank one is MISSING, a warning, blocking on demand."""
    import yaml

    from vigil.compliance.organisation import example_facts

    repo = pipeline_copy
    facts_file = repo / "policies/organisation/organisation.yaml"
    facts = yaml.safe_load(facts_file.read_text())
    facts["data_protection"]["dpia"]["reference"] = "  "
    del facts["post_market_monitoring"]
    facts_file.write_text(yaml.safe_dump(facts, sort_keys=False))
    run(["dvc", "repro", "report"], repo)
    policy = json.loads((repo / "reports/policy.json").read_text())
    rule = next(r for r in policy["rules"] if r["id"] == "DOC-005")
    example = example_facts(facts)  # the shipped file is the example's: its facts count as unfilled too
    assert rule["status"] == "fail" and rule["value"] == 2 + len(example) == 17 and rule["severity"] == "warning"
    assert "DOC-005" in policy["warnings"] and "DOC-005" not in policy["blocking_failures"]  # a proposal warns
    assert policy["release_verdict"] == "fail" and "DOC-005" in policy["release_blocking_failures"]
    released = run(["vigil", "gate", "--release", "--no-write"], repo, check=False)
    verdict_line = next(line for line in released.stdout.splitlines() if line.startswith("release verdict:"))
    assert released.returncode == 1 and verdict_line.startswith("release verdict: FAIL (") and "DOC-005" in verdict_line
    pdf = repo / EVIDENCE / "compliance.pdf"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    text = " ".join(text.split())
    assert "Data protection (GDPR, LGPD)" in text and "Technical documentation (EU AI Act Art. 11, Annex IV)" in text
    assert "DPIA (GDPR Art. 35, LGPD Art. 38) MISSING" in text
    assert "Post-market monitoring plan (Art. 72) MISSING" in text
    index_row = r"DPIA\(GDPRArt\.35,LGPDArt\.38\)\d+organisationfileMISSINGdata_protection\.dpia\.reference"
    assert re.search(index_row, text.replace(" ", ""))  # the Annex IV index names the blank fact
    assert "Lawful basis" in text and "legitimate interest" in text  # the facts that are there are printed
    assert "Provider example placeholder Vigil Example Workshop" in text  # the example's, said as such
    # The organisation's own facts (the marker and the fictitious values gone, the two blanks written): DOC-005
    # passes, and a release is no longer blocked by it.
    own = yaml.safe_load(yaml.safe_dump(facts).replace(" (fictitious)", "").replace("(fictitious)", ""))
    own.pop("example")
    own["data_protection"]["dpia"]["reference"] = "DPIA-2026-01"
    own["post_market_monitoring"] = {"plan": "Weekly drift review by the ML board"}
    facts_file.write_text(yaml.safe_dump(own, sort_keys=False))
    run(["dvc", "repro", "report"], repo)
    policy = json.loads((repo / "reports/policy.json").read_text())
    assert next(r for r in policy["rules"] if r["id"] == "DOC-005")["status"] == "pass"
    assert "DOC-005" not in policy["release_blocking_failures"]
    # The policy decides whether a missing fact blocks a proposal too.
    own["data_protection"]["dpia"]["reference"] = " "
    facts_file.write_text(yaml.safe_dump(own, sort_keys=False))
    rules_file = repo / "policies/documentation.yaml"
    rules_file.write_text(rules_file.read_text().replace("severity: warning # make it", "severity: blocking # make it"))
    assert run(["vigil", "gate"], repo, check=False).returncode == 1
    assert "DOC-005" in json.loads((repo / "reports/policy.json").read_text())["blocking_failures"]
    # A typo in the file stops with the file and the key, before anything is signed.
    own["data_protection"]["lawfull_basis"] = "x"
    facts_file.write_text(yaml.safe_dump(own, sort_keys=False))
    failed = run(["vigil", "gate", "--no-write"], repo, check=False)
    assert failed.returncode == 2 and "organisation.yaml: data_protection: Additional properties" in failed.stderr


def test_the_pdf_is_pdfa_3b_and_carries_the_reports_the_manifest_lists(evidence_repo: Path):
    pdf = (evidence_repo / EVIDENCE / "compliance.pdf").read_bytes()
    facts = read_archive(pdf)
    assert facts.declares_pdfa_3b and facts.output_intent
    assert set(facts.attachments) == {
        "metrics.json",
        "policy.json",
        "fairness.json",
        "robustness.json",
        "artifacts.json",
    }
    for path in ATTACHED_REPORTS:
        assert facts.attachments[Path(path).name] == (evidence_repo / path).read_bytes(), path
    listed = subprocess.run(
        ["pdfdetach", "-list", str(evidence_repo / EVIDENCE / "compliance.pdf")], capture_output=True, check=True
    ).stdout.decode()
    assert "5 embedded files" in listed and "robustness.json" in listed  # poppler reads them too
    manifest = json.loads((evidence_repo / EVIDENCE / "manifest.json").read_bytes())
    assert attachment_problems(facts, manifest) == []
    from pyhanko.pdf_utils.reader import PdfFileReader

    widget = PdfFileReader(io.BytesIO(pdf)).root["/AcroForm"]["/Fields"][0]
    assert int(widget["/F"]) & 4 and not int(widget["/F"]) & 2  # PDF/A: annotations print, none hidden
    altered = {
        **manifest,
        "artifacts": [
            {**a, "sha256": "0" * 64} if a["path"] in ("reports/metrics.json", "models/model/model.json") else a
            for a in manifest["artifacts"]
        ],
    }
    problems = " ".join(attachment_problems(facts, altered))
    assert "attached metrics.json differs from reports/metrics.json" in problems
    assert "disagrees with the manifest on 2 file(s)" in problems  # the artifact list too (metrics + model.json)
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert "PDF/A-3b" in " ".join(text.split()) and "the signing time is the signer's own claim" in " ".join(
        text.split()
    )


def test_a_local_time_stamp_authority_dates_the_signature_and_verify_judges_it(pipeline_copy: Path):
    repo = pipeline_copy
    report_only = ["dvc", "repro", "--force", "--single-item", "report"]
    down = run(report_only, repo, env={"VIGIL_TSA_URL": "http://127.0.0.1:9/tsa"}, check=False)
    assert down.returncode != 0 and "time-stamp authority http://127.0.0.1:9/tsa (VIGIL_TSA_URL)" in down.stderr
    assert not (repo / EVIDENCE).exists()  # never issued without the timestamp it was asked for
    with local_tsa() as tsa, local_tsa() as stranger:
        run(report_only, repo, env={"VIGIL_TSA_URL": tsa.url})
        assert tsa.requests and not stranger.requests  # the signature's timestamp came from this authority
        unanchored = run(["vigil", "verify", EVIDENCE, "--allow-development"], repo, check=False)
        assert unanchored.returncode == 1
        assert "FAIL  timestamp" in unanchored.stdout and "no time-stamp authority is anchored" in unanchored.stdout
        # Another authority anchored: this token, cryptographically fine, still does not chain to an anchor.
        for authority, name in ((stranger, "other-tsa"), (tsa, "test-tsa")):
            trust_add = ["vigil", "trust", "add", str(authority.ca_certificate), "--id", name]
            run([*trust_add, "--role", "timestamp-authority"], repo)
            run(["git", "add", "policies/trust"], repo)
            run(["git", "commit", "-qm", f"anchor {name}"], repo)
            if authority is stranger:
                refused = run(["vigil", "verify", EVIDENCE, "--allow-development"], repo, check=False)
                assert refused.returncode == 1 and "time-stamp authority is not anchored" in refused.stdout
        verified = run(["vigil", "verify", EVIDENCE, "--allow-development"], repo, check=False)
        assert "PASS  timestamp: RFC 3161 timestamp" in verified.stdout
        assert "Vigil test time-stamp authority" in verified.stdout and verified.returncode == 0
        pdf = repo / EVIDENCE / "compliance.pdf"
        pdfsig = subprocess.run(["pdfsig", str(pdf)], capture_output=True, text=True, check=True).stdout
        assert "Total document signed" in pdfsig and "Signature is Valid." in pdfsig
        text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout.split())
        assert f"RFC 3161 timestamp from the time-stamp authority at {tsa.url}" in text
        # A TSA certificate anchors timestamps only: as a signer of evidence it is refused.
        from cryptography import x509

        from vigil.compliance.trust import judge_signer, load_trust_store

        store = load_trust_store(repo)
        ca = x509.load_pem_x509_certificate(tsa.ca_certificate.read_bytes())
        refused_signer = judge_signer(ca, dt.datetime.now(dt.UTC), store)
        assert not refused_signer.ok and "not anchored" in refused_signer.detail


def test_the_report_states_what_changed_since_the_recorded_previous_release(release_repo: Path, tmp_path: Path):
    repo = tmp_path / "repo"
    shutil.copytree(release_repo, repo, symlinks=True)
    recorded = run(["vigil", "release", "baseline", "--tag", "v1"], repo)
    assert "recorded v1" in recorded.stdout
    record = json.loads((repo / "releases/previous.json").read_text())
    assert record["release"]["tag"] == "v1" and record["params"]["audit.fairness.bootstrap.resamples"] == 200
    ids = pd.read_parquet(repo / "reports/predictions.parquet", columns=["record_id"])["record_id"]
    assert len(record["predictions"]["rows"]) == len(ids)
    assert not set(ids) & {row[0] for row in record["predictions"]["rows"]}  # paired by digest, ids not stored
    run(["dvc", "repro", "report"], repo)
    text = " ".join(
        subprocess.run(
            ["pdftotext", str(repo / EVIDENCE / "compliance.pdf"), "-"], capture_output=True, text=True
        ).stdout.split()
    )
    assert "Previous release v1" in text and "Version and changes since the previous release" in text
    assert "audit.fairness.bootstrap.resamples 200 150" in text  # the parameter v2 changed, before and after
    assert "report.title" in text
    assert "Accuracy" in text and "unchanged on every note" in text  # same model and test notes: no change
    assert "Data after ingest (MD5)" in text
    broken = tmp_path / "broken"
    shutil.copytree(release_repo, broken, symlinks=True)
    missing = run(["vigil", "release", "baseline", "--tag", "v9"], broken, check=False)
    assert missing.returncode == 2 and "v9: not a tag or commit here" in missing.stderr

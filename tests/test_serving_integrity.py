"""Start-up integrity: the manifest's signer is judged against the pinned anchors before any model byte is read."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import signal
import time
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization

from conftest import run
from service_process import Service
from vigil.compliance.detached_signature import sign_bytes
from vigil.compliance.keys import make_self_signed
from vigil.compliance.trust import SCHEMA, anchor_entry, render_anchors
from vigil.errors import VigilError
from vigil.serving.manifest_trust import ManifestTrust, check_manifest_signer
from vigil.serving.worker_state import record_failure, record_start, start_failure

SIGNED_ON = dt.date(2026, 11, 2)


@pytest.fixture(scope="module")
def release_identity():
    return make_self_signed("Vigil release signer", development=False)


def _evidence(root: Path, key, certificate, manifest: dict | None = None) -> Path:
    """A signed manifest in ``root/reports/compliance`` (only the files the start-up check reads)."""
    evidence = root / "reports/compliance"
    evidence.mkdir(parents=True, exist_ok=True)
    raw = json.dumps(manifest or {"created_utc": f"{SIGNED_ON}T10:00:00Z", "artifacts": []}).encode()
    (evidence / "manifest.json").write_bytes(raw)
    (evidence / "manifest.sig").write_bytes(sign_bytes(key, raw))
    (evidence / "signer.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return evidence / "manifest.json"


def _anchors(root: Path, certificate, role: str = "release") -> Path:
    trust = root / "policies/trust"
    trust.mkdir(parents=True, exist_ok=True)
    (trust / "release.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    entry = anchor_entry("release-2026", role, certificate, "release.pem", dt.date(2026, 1, 1), None)
    (trust / "signers.yaml").write_text(render_anchors({"schema": SCHEMA, "signers": [entry]}))
    return trust / "signers.yaml"


def test_an_anchored_release_signer_is_accepted_and_anything_less_is_refused(tmp_path: Path, release_identity):
    key, certificate = release_identity
    manifest = _evidence(tmp_path, key, certificate)
    anchors = _anchors(tmp_path, certificate)
    assert "anchored as release-2026" in check_manifest_signer(manifest, ManifestTrust(anchors))

    with pytest.raises(VigilError, match="no trust anchors found"):
        check_manifest_signer(manifest, ManifestTrust(tmp_path / "nowhere/signers.yaml"))
    with pytest.raises(VigilError, match="with role pull-request, not release"):
        check_manifest_signer(manifest, ManifestTrust(_anchors(tmp_path / "pr", certificate, "pull-request")))

    stranger_key, stranger = make_self_signed("Vigil release signer", development=False)  # same name, other key
    with pytest.raises(VigilError, match="not anchored"):
        check_manifest_signer(_evidence(tmp_path / "other", stranger_key, stranger), ManifestTrust(anchors))

    dev_key, dev = make_self_signed()
    dev_manifest = _evidence(tmp_path / "dev", dev_key, dev)
    with pytest.raises(VigilError, match="pass --allow-development"):
        check_manifest_signer(dev_manifest, ManifestTrust(anchors))
    assert "development signature" in check_manifest_signer(dev_manifest, ManifestTrust(anchors, True))


def test_a_manifest_edited_after_signing_is_refused_whoever_signed_it(tmp_path: Path, release_identity):
    key, certificate = release_identity
    manifest = _evidence(tmp_path, key, certificate)
    anchors = _anchors(tmp_path, certificate)
    manifest.write_bytes(manifest.read_bytes().replace(b'"artifacts": []', b'"artifacts": [ ]'))
    with pytest.raises(VigilError, match="manifest.sig does not verify manifest.json"):
        check_manifest_signer(manifest, ManifestTrust(anchors, allow_development=True))


def test_vigil_serve_refuses_an_edited_manifest_that_lists_the_changed_model(evidence_repo: Path, tmp_path: Path):
    """The attack the hash check alone let through: change the model, re-hash it into the manifest."""
    repo = tmp_path / "repo"
    for part in ("models", "reports/compliance", "policies/trust"):
        shutil.copytree(evidence_repo / part, repo / part)
    shutil.copy2(evidence_repo / "params.yaml", repo / "params.yaml")
    card = repo / "models/model/model.json"
    card.write_text(card.read_text().replace('"seed": 42', '"seed": 43'))
    manifest_path = repo / "reports/compliance/manifest.json"
    manifest = json.loads(manifest_path.read_text())
    for entry in manifest["artifacts"]:
        if entry["path"] == "models/model/model.json":
            entry["sha256"] = hashlib.sha256(card.read_bytes()).hexdigest()
    manifest_path.write_text(json.dumps(manifest))
    serve = ["vigil", "serve", "--port", "1", "--model", "models/model", "--manifest", str(manifest_path)]

    refused = run([*serve, "--allow-development"], repo, check=False, timeout=60)
    assert refused.returncode == 2 and "manifest.sig does not verify manifest.json" in refused.stderr, refused.stderr
    assert "refusing to serve" in refused.stderr and "Traceback" not in refused.stderr

    shutil.copytree(evidence_repo / "reports/compliance", repo / "reports/compliance", dirs_exist_ok=True)
    unanchored = run(serve, repo, check=False, timeout=60)  # the pipeline's development signature, no flag
    assert unanchored.returncode == 2 and "pass --allow-development" in unanchored.stderr, unanchored.stderr


def test_the_newest_start_record_decides_readiness(tmp_path: Path):
    state = tmp_path / "workers"
    record_start(state, pid=101)
    assert start_failure(state) is None
    record_failure(state, "models/model does not match the manifest", pid=102)
    assert "worker 102 failed to start" in start_failure(state) and "does not match" in start_failure(state)
    record_start(state, pid=103)  # the problem fixed, a replacement started
    assert start_failure(state) is None
    for pid in range(200, 260):  # a crash loop keeps a bounded number of records
        record_failure(state, "still broken", pid=pid)
    assert len(list(state.glob("failed-*.json"))) <= 20 and "worker 259" in start_failure(state)


def _workers(parent: int) -> list[int]:
    """The uvicorn worker processes of ``parent`` (multiprocessing spawn children)."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
            command = (status.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(parent) and b"spawn_main" in command:
            found.append(int(status.parent.name))
    return found


def _ready_until(url: str, status: int, seconds: float = 30) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:  # while every worker restarts, a probe waits in the listen backlog (6.6 s measured)
            response = httpx.get(f"{url}/ready", timeout=15)
        except httpx.HTTPError:
            continue
        if response.status_code == status:
            return response.json()
        time.sleep(0.2)
    raise AssertionError(f"/ready did not answer {status} within {seconds} s")


def test_a_worker_that_cannot_restart_makes_the_service_unready_until_one_can(evidence_repo: Path, tmp_path: Path):
    repo = tmp_path / "repo"
    for part in ("models", "reports/compliance", "policies/trust"):
        shutil.copytree(evidence_repo / part, repo / part)
    shutil.copy2(evidence_repo / "params.yaml", repo / "params.yaml")
    server = Service(repo, tmp_path / "workers.log", None, "--workers", "2")
    deadline = time.monotonic() + 60  # /ready answers once one worker is up: wait for both before tampering
    while server.log_path.read_text().count("Application startup complete") < 2:
        assert time.monotonic() < deadline, "the second worker did not start"
        time.sleep(0.1)
    weights = repo / "models/model/pipeline.joblib"
    original = weights.read_bytes()
    try:
        weights.write_bytes(original + b"tampered")  # the disk changes under a running service
        os.kill(_workers(server.process.pid)[0], signal.SIGKILL)  # uvicorn replaces the worker; it cannot start
        unready = _ready_until(server.url, 503)
        assert (
            "failed to start" in unready["reasons"][0] and "pipeline.joblib: SHA-256 differs" in unready["reasons"][0]
        )
        weights.write_bytes(original)  # fixed: the next replacement starts, and the service is ready again
        for pid in _workers(server.process.pid):
            os.kill(pid, signal.SIGKILL)
        _ready_until(server.url, 200)
    finally:
        logs = server.stop()
    failures = [json.loads(line) for line in logs.splitlines() if '"worker failed to start"' in line]
    assert failures and "pipeline.joblib: SHA-256 differs" in failures[0]["reason"]
    assert "Traceback" not in logs

"""DVC stage `report`: policies + every report -> reports/policy.json and signed reports/compliance/.

The stage does not fail on a failing policy (the evidence of a failing run is
still evidence, and the PR comment must show it); `vigil gate` is what turns a
blocking failure into a non-zero exit in CI. It does fail when there is no
signing key it may use, before anything is written under the signed names.
"""

from __future__ import annotations

import time
from pathlib import Path

from vigil.compliance.evidence import build_evidence
from vigil.compliance.keys import load_identity
from vigil.compliance.policies import load_policies
from vigil.log import get_logger
from vigil.params import load_params
from vigil.stage import run_stage


def main() -> None:
    root = Path(".")
    params = load_params()
    policies = load_policies(root / "policies")
    identity = load_identity(root)
    started = time.perf_counter()
    result = build_evidence(root, params, policies, identity)
    get_logger("stage.report").info(
        "evidence signed",
        extra={
            "verdict": result.verdict,
            "artifacts": result.artifacts,
            "pdf_bytes": result.pdf_bytes,
            "summary_chars": result.summary_chars,
            "development_signature": result.development_signature,
            "signer": identity.subject,
            "render_and_sign_seconds": round(time.perf_counter() - started, 3),
        },
    )


if __name__ == "__main__":
    run_stage("report", main)

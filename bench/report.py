"""Report stage cost: render + sign the compliance PDF, against WeasyPrint's default layout.

Needs the pipeline outputs (``make run`` first). Both sides render the same
HTML built from the current reports; the baseline lays it out with
WeasyPrint's defaults (automatic table layout, flexbox columns), Vigil's
stylesheet uses fixed table layout and table-cell columns. Then the whole
in-memory work of the ``report`` stage is timed (gate, hash every artifact,
render, PAdES-sign, manifest and its signature; no files written).

    python bench/report.py [--repeat 3]

Last lines: median seconds per side, ``speed-up: N.Nx`` and the stage total
against the 5 s target.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from vigil.compliance.evidence import (
    ReportSettings,
    assemble_evidence,
    gate,
    report_context,
    report_section,
    signer_facts,
    trust_facts,
)
from vigil.compliance.keys import SigningIdentity, make_self_signed
from vigil.compliance.pdf_archive import evidence_attachments
from vigil.compliance.pdf_signing import sign_pdf
from vigil.compliance.policies import load_policies
from vigil.compliance.report.render import html_to_pdf, render_html
from vigil.params import load_params

ROOT = Path(__file__).resolve().parents[1]
FIXED = (
    "table { table-layout: fixed;",
    ".two-col { display: table; width: 100%; table-layout: fixed; }",
    ".two-col > div { display: table-cell;",
)
DEFAULTS = ("table { table-layout: auto;", ".two-col { display: flex; gap: 6mm; }", ".two-col > div { flex: 1;")


def _median_seconds(work, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    params = load_params(ROOT / "params.yaml")
    policies = load_policies(ROOT / "policies")
    key, certificate = make_self_signed("Vigil bench signer")
    identity = SigningIdentity(key, certificate, source="bench (in memory)")
    settings = ReportSettings.from_params(report_section(params))
    policy, reports = gate(ROOT, params, policies)
    meta = {
        "title": settings.title,
        "organisation": settings.organisation,
        "system_name": settings.system_name,
        "generated_utc": "bench",
        "commit": "0" * 40,
        "commit_short": "0" * 12,
        "uncommitted": [],
        "lock_digest": "0" * 64,
        "params_digest": "0" * 64,
        "policies_digest": policies.digest,
        "signer": signer_facts(identity),
        "trust": trust_facts(ROOT, identity, "2026-01-01T00:00:00Z"),
        "vigil_version": "bench",
        "timestamp_url": None,
    }
    context = report_context(ROOT, params, settings, reports, policy, meta, [])
    attachments = evidence_attachments(ROOT, (ROOT / "reports/policy.json").read_bytes(), [], meta)
    context["attachments"] = attachments
    html = render_html(context)
    baseline_html = html
    for ours, default in zip(FIXED, DEFAULTS, strict=True):
        assert ours in baseline_html, f"stylesheet changed: {ours!r} not found"
        baseline_html = baseline_html.replace(ours, default)
    html_to_pdf(html, attachments)  # warm-up: fonts, imports

    sign = lambda pdf: sign_pdf(pdf, identity, "bench", "bench")  # noqa: E731
    base, base_pdf = _median_seconds(lambda: sign(html_to_pdf(baseline_html, attachments)), args.repeat)
    ours, our_pdf = _median_seconds(lambda: sign(html_to_pdf(html, attachments)), args.repeat)
    stage, evidence = _median_seconds(lambda: assemble_evidence(ROOT, params, policies, identity), args.repeat)

    print(f"report: {len(html):,} chars of HTML, {evidence.result.artifacts} artifacts hashed")
    print(f"baseline (WeasyPrint default table layout + flexbox), render + sign: {base:.2f} s, {len(base_pdf):,} bytes")
    print(
        f"vigil (fixed table layout), render (PDF/A-3b, {len(attachments)} attachments) + sign: {ours:.2f} s, "
        f"{len(our_pdf):,} bytes"
    )
    print(f"whole report stage in memory (gate, hashes, render, sign, manifest): {stage:.2f} s (target <= 5 s)")
    print(f"speed-up: {base / ours:.1f}x")


if __name__ == "__main__":
    main()

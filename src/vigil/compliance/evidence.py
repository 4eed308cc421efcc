"""Assemble the signed evidence of a run: policy verdict, PDF, summary, manifest, signatures.

Order matters for what vouches for what: the PDF is rendered and signed
first, the summary written, then the manifest hashes every artifact
including both, and one detached signature covers the manifest. Everything
is staged in a temporary directory and renamed into place only when all of
it is signed, so ``reports/compliance`` never holds an unsigned file.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from cryptography.x509.oid import NameOID

from vigil import __version__
from vigil.compliance.annex_iv import annex_iv_index
from vigil.compliance.canonical import canonical_json
from vigil.compliance.detached_signature import sign_bytes
from vigil.compliance.documentation import MODEL_CARD_FIELDS, documentation_facts
from vigil.compliance.evidence_inputs import load_reports
from vigil.compliance.gate import evaluate, policy_report
from vigil.compliance.keys import SigningIdentity
from vigil.compliance.manifest import (
    MANIFEST,
    SIGNATURE,
    SIGNER_CERT,
    SOURCE_FILES,
    build_manifest,
    describe_bytes,
    describe_files,
    expand_files,
    git_state,
    lock_stages_digest,
    stage_outputs,
    tool_versions,
)
from vigil.compliance.organisation import (
    ANNEX_IV,
    DATA_DESCRIBE,
    DATA_PROTECTION,
    ORGANISATION_FILE,
    fact_rows,
    load_organisation,
    with_data_governance,
)
from vigil.compliance.pdf_archive import evidence_attachments
from vigil.compliance.pdf_signing import sign_pdf, tsa_url
from vigil.compliance.policies import DEFAULT_POLICY_DIR, PolicySet
from vigil.compliance.release_baseline import load_baseline
from vigil.compliance.release_changes import release_changes
from vigil.compliance.report import context as ctx
from vigil.compliance.report.render import html_to_pdf, render_html
from vigil.compliance.summary import summary_within_limit
from vigil.compliance.trust import ANCHORS_PATH, judge_signer, load_trust_store
from vigil.compliance.verification import DEFAULT_EVIDENCE_DIR, PDF_NAME
from vigil.config_section import from_section
from vigil.contracts import validate_report
from vigil.hashing import sha256_file
from vigil.io import atomic_path, dumps_json, write_text
from vigil.params import flatten
from vigil.yaml_text import load_yaml

POLICY_REPORT = "reports/policy.json"
SUMMARY_NAME = "summary.md"
CONFUSION = "reports/confusion_matrix.json"
PREDICTIONS = "reports/predictions.parquet"
CARD_TITLES = {
    "intended_use": "Intended use",
    "out_of_scope_use": "Out-of-scope use",
    "training_data": "Training data",
    "limitations": "Limitations",
    "ethical_considerations": "Ethical considerations",
    "human_oversight": "Human oversight",
    "contact": "Contact",
}
STAGE_GRAPH = (
    "ingest -> scrub -> split -> train -> evaluate -> fairness ---+\n"
    "                                              |-> explain ----+-> report\n"
    "                                              `-> robustness -+"
)


@dataclass(frozen=True)
class ReportSettings:
    """``params.report``: the texts and sizes of the report."""

    title: str
    summary_max_chars: int
    top_fairness_gaps: int
    top_tokens: int
    local_examples: int
    max_groups_per_table: int
    artifact_hashes: bool
    signing_reason: str
    signing_location: str
    manifest_exclude: tuple[str, ...] = ()
    organisation: str | None = None  # from data.describe: None reads MISSING
    system_name: str | None = None
    model_card: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_params(cls, report: Mapping[str, Any]) -> ReportSettings:
        return from_section(
            cls,
            report,
            "report",
            keys={
                "summary_max_chars": "summary.max_chars",
                "top_fairness_gaps": "summary.top_fairness_gaps",
                "top_tokens": "pdf.top_tokens",
                "local_examples": "pdf.local_examples",
                "max_groups_per_table": "pdf.max_groups_per_table",
                "artifact_hashes": "pdf.artifact_hashes",
                "signing_reason": "signing.reason",
                "signing_location": "signing.location",
                "manifest_exclude": "manifest.exclude",
            },
        )


SECTION_ANCHORS = {ANNEX_IV: "annex-facts", DATA_PROTECTION: "data-protection"}


def data_describe(params: Mapping[str, Any]) -> dict[str, Any]:
    """The active data configuration's ``describe`` block: what the report says about the data (may be empty)."""
    return dict((params.get("data") or {}).get("describe") or {})


def report_section(params: Mapping[str, Any]) -> dict[str, Any]:
    """``params.report`` with what describes the data taken from the active data configuration.

    The organisation, the system's name and the model card describe the data actually
    used, so they live in ``params/data/<name>.yaml`` (``describe``), not in the report's
    layout settings: with another dataset, the example's texts must not reappear.
    Unset ones stay None (the report reads MISSING; DOC-001 counts the model card).
    """
    report = dict(params.get("report") or {})
    describe = data_describe(params)
    report["title"] = describe.get("title") or report.get("title")
    report["organisation"] = describe.get("organisation") or None
    report["system_name"] = describe.get("system_name") or None
    report["model_card"] = dict(describe.get("model_card") or {})
    return report


def missing(value: str | None, key: str) -> str:
    return value if value else f"MISSING ({DATA_DESCRIBE}.{key})"


def organisation_sections(document: Mapping[str, Any]) -> dict[str, Any]:
    """The organisation's facts grouped by report section, for the template (None = MISSING)."""
    sections: dict[str, list[tuple[str, str | None, bool]]] = {}
    for section, label, value, example in fact_rows(document):
        sections.setdefault(section, []).append((label, value, example))
    return {
        "file": ORGANISATION_FILE,
        "sections": [(name, SECTION_ANCHORS.get(name, ""), facts) for name, facts in sections.items()],
    }


def utc_now() -> str:
    """Generation time, or ``SOURCE_DATE_EPOCH`` when set (reproducible builds convention)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch else dt.datetime.now(dt.UTC)
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def policy_inputs(root: Path, params: Mapping[str, Any]) -> dict[str, Any]:
    """Every namespace a policy rule can read: the reports plus the documentation facts."""
    reports = load_reports(root)
    describe = data_describe(params)
    model_card = report_section(params)["model_card"]
    features = (params.get("data") or {}).get("sensitive_features") or []
    reports["documentation"] = documentation_facts(model_card, root, load_organisation(root), describe, list(features))
    return reports


def gate(root: Path, params: Mapping[str, Any], policies: PolicySet) -> tuple[dict[str, Any], dict[str, Any]]:
    """Evaluate the policies; returns (policy report, the inputs it read)."""
    reports = policy_inputs(root, params)
    return policy_report(policies, evaluate(policies, reports)), reports


def signer_facts(identity: SigningIdentity) -> dict[str, Any]:
    """Who signed, as recorded in the manifest and shown on the cover."""
    names = identity.certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return {
        "subject": identity.subject,
        "common_name": str(names[0].value) if names else identity.subject,
        "fingerprint_sha256": identity.fingerprint,
        "development": identity.development,
        "source": identity.source,
        "certificate": f"{DEFAULT_EVIDENCE_DIR}/{SIGNER_CERT}",
    }


def trust_facts(root: Path, identity: SigningIdentity, created_utc: str) -> dict[str, Any]:
    """Whether the signing certificate is anchored in the committed ``policies/trust/`` (told in the PDF).

    Stated for the reader; the verifier judges it again on its own anchors.
    """
    store = load_trust_store(root)
    signed_at = dt.datetime.fromisoformat(created_utc.replace("Z", "+00:00"))
    judgement = judge_signer(identity.certificate, signed_at, store)
    anchor = judgement.anchor
    return {
        "anchored": judgement.ok,
        "id": anchor.id if anchor else None,
        "role": anchor.role if anchor else None,
        "path": anchor.path if anchor else None,
        "detail": judgement.detail,
        "anchors_file": ANCHORS_PATH,
    }


def changes_since_release(
    root: Path, params: Mapping[str, Any], reports: Mapping[str, Any], policy: Mapping[str, Any]
) -> dict[str, Any]:
    """This run against the release recorded in ``releases/previous.json`` (see :mod:`release_baseline`)."""
    previous = load_baseline(root)
    predictions = root / PREDICTIONS
    lock = root / "dvc.lock"
    return release_changes(
        previous,
        params=flatten(dict(params)),
        metrics=flatten(dict(reports.get("metrics") or {})),
        # read only when there is a release to pair with (the table can be large)
        predictions=pd.read_parquet(predictions, columns=["record_id", "y_true", "y_pred"])
        if previous is not None and predictions.is_file()
        else None,
        lock_text=lock.read_text("utf-8") if lock.is_file() else "",
        critical_classes=list((params.get("data") or {}).get("critical_classes") or []),
        verdict=policy.get("verdict"),
        seed=int(params.get("seed") or 0),
    )


def _model_facts(reports: Mapping[str, Any]) -> dict[str, Any]:
    train = reports.get("train") or {}
    metrics = reports.get("metrics") or {}
    val = train.get("val") or {}
    mitigation = train.get("mitigation") or {}
    return {
        "family": train.get("family", "unknown"),
        "n_classes": len(metrics.get("per_class") or {}),
        "n_train": train.get("n_train"),
        "train": {
            "calibration": ", ".join(f"{k} {v}" for k, v in (train.get("calibration") or {}).items()),
            "decision": (train.get("decision") or {}).get("rule"),
            "mitigation": mitigation.get("method", "none"),
            "n_train": train.get("n_train"),
            "n_val": train.get("n_val"),
            "val_f1": val.get("f1_macro"),
            "val_accuracy": val.get("accuracy"),
        },
    }


def report_context(
    root: Path,
    params: Mapping[str, Any],
    settings: ReportSettings,
    reports: Mapping[str, Any],
    policy: Mapping[str, Any],
    meta: Mapping[str, Any],
    artifacts: list[dict[str, Any]],
) -> dict[str, Any]:
    """Everything the template shows."""
    confusion_path = root / CONFUSION
    confusion = json.loads(confusion_path.read_text("utf-8")) if confusion_path.exists() else None
    privacy = ctx.privacy_section(reports.get("privacy") or {})
    operator_of = {entity: op for op, entities in privacy["operators"].items() for entity in entities}
    model = _model_facts(reports)
    dvc_yaml = load_yaml((root / "dvc.yaml").read_text("utf-8")) or {}
    lineage = ctx.lineage_section(dvc_yaml, artifacts if settings.artifact_hashes else [], params)
    lineage["graph"] = STAGE_GRAPH
    changes = changes_since_release(root, params, reports, policy)
    organisation = with_data_governance(load_organisation(root), data_describe(params))
    return {
        "meta": {**meta, "model_family": model["family"], "n_classes": model["n_classes"], "n_train": model["n_train"]},
        "train": model["train"],
        "model_card": [(CARD_TITLES[name], settings.model_card.get(name, "")) for name in MODEL_CARD_FIELDS],
        "organisation": organisation_sections(organisation),
        "annex_iv": annex_iv_index(organisation, settings.model_card, reports, release_recorded=changes["recorded"]),
        "data": ctx.data_section(reports.get("data_quality") or {}, reports.get("split") or {}),
        "privacy": privacy,
        "operator_of": operator_of,
        "performance": ctx.performance_section(
            reports.get("metrics") or {}, confusion, list((params.get("data") or {}).get("critical_classes") or [])
        ),
        "robustness": ctx.robustness_section(reports.get("robustness") or {}),
        "fairness": ctx.fairness_section(
            reports.get("fairness") or {},
            settings.max_groups_per_table,
            data_describe(params).get("groups"),
        ),
        "explain": ctx.explain_section(
            reports.get("explain") or {},
            settings.top_tokens,
            settings.local_examples,
            shows=example_shows(reports.get("privacy") or {}, params),
        ),
        "policy": ctx.policy_section(policy),
        "release": ctx.release_section(changes),
        "lineage": lineage,
        "tools": tool_versions(),
    }


def example_shows(privacy: Mapping[str, Any], params: Mapping[str, Any]) -> Callable[[str], bool]:
    """Whether an example's scrubbed text may be printed: nothing flagged anywhere, or nothing flagged in it.

    When the scan flagged records, each example is scanned again with the scan's own model; without that
    model (``scrub.residual.model`` unset) every example is withheld.
    """
    if privacy.get("residual_entities") == 0:
        return lambda text: True
    path = ((params.get("scrub") or {}).get("residual") or {}).get("model")
    if not path:
        return lambda text: False
    from vigil.privacy.residual import residual_model_for, scan_text

    model = residual_model_for(str(path))
    return lambda text: not scan_text(text, model)


@dataclass(frozen=True)
class EvidenceResult:
    """What the report stage produced (for its log line and the CLI)."""

    verdict: str
    pdf_bytes: int
    summary_chars: int
    artifacts: int
    development_signature: bool


@dataclass(frozen=True)
class Evidence:
    """The signed evidence in memory: ``reports/policy.json`` and the evidence directory's files."""

    policy_json: str
    files: dict[str, bytes]
    result: EvidenceResult


def assemble_evidence(
    root: Path,
    params: Mapping[str, Any],
    policies: PolicySet,
    identity: SigningIdentity,
    evidence_dir: str = DEFAULT_EVIDENCE_DIR,
) -> Evidence:
    """Gate, render, sign and hash everything, without writing a file (the bench times exactly this)."""
    settings = ReportSettings.from_params(report_section(params))
    policy, reports = gate(root, params, policies)
    validate_report("policy", policy, POLICY_REPORT)
    policy_json = dumps_json(policy)

    dvc_yaml = load_yaml((root / "dvc.yaml").read_text("utf-8")) or {}
    sources = [
        *SOURCE_FILES,
        *(p.relative_to(root).as_posix() for p in sorted((root / DEFAULT_POLICY_DIR).glob("*.yaml"))),
    ]
    files = expand_files(root, [*stage_outputs(dvc_yaml), *sources], settings.manifest_exclude)
    artifacts = [*describe_files(root, files), describe_bytes(POLICY_REPORT, policy_json.encode("utf-8"))]

    git = git_state(root, ["src", "stages", "params", DEFAULT_POLICY_DIR, "dvc.yaml", "params.yaml"])
    lock = root / "dvc.lock"
    created = utc_now()
    signer = signer_facts(identity)
    meta = {
        "trust": trust_facts(root, identity, created),
        "title": settings.title,
        "organisation": missing(settings.organisation, "organisation"),
        "system_name": missing(settings.system_name, "system_name"),
        "generated_utc": created,
        "commit": git["commit"],
        "commit_short": (git["commit"] or "none")[:12],
        "uncommitted": git["uncommitted_sources"],
        "lock_digest": lock_stages_digest(lock.read_text("utf-8") if lock.exists() else ""),
        "params_digest": sha256_file(root / "params.yaml"),
        "policies_digest": policies.digest,
        "signer": signer,
        "vigil_version": __version__,
        "timestamp_url": tsa_url(),
    }
    context = report_context(root, params, settings, reports, policy, meta, sorted(artifacts, key=lambda a: a["path"]))
    attachments = evidence_attachments(root, policy_json.encode("utf-8"), artifacts, meta)
    context["attachments"] = attachments
    created_at = dt.datetime.fromisoformat(created.replace("Z", "+00:00"))
    pdf = sign_pdf(
        html_to_pdf(render_html(context), attachments, created_at),
        identity,
        settings.signing_reason,
        settings.signing_location,
        timestamp_url=meta["timestamp_url"],
    )
    summary = summary_within_limit(
        settings.summary_max_chars,
        policy=policy,
        reports=reports,
        meta={**meta, "model_family": context["meta"]["model_family"]},
        top_gaps=settings.top_fairness_gaps,
    )
    evidence_files = {PDF_NAME: pdf, SUMMARY_NAME: summary.encode("utf-8"), SIGNER_CERT: identity.certificate_pem}
    artifacts += [describe_bytes(f"{evidence_dir}/{name}", data) for name, data in evidence_files.items()]
    artifacts.sort(key=lambda a: a["path"])
    manifest = build_manifest(
        root,
        artifacts,
        created_utc=created,
        signer=signer,
        verdict=policy["verdict"],
        evidence_dir=evidence_dir,
        git=git,
    )
    manifest_bytes = canonical_json(manifest)
    evidence_files[MANIFEST] = manifest_bytes
    evidence_files[SIGNATURE] = sign_bytes(identity.key, manifest_bytes)
    result = EvidenceResult(
        verdict=policy["verdict"],
        pdf_bytes=len(pdf),
        summary_chars=len(summary),
        artifacts=len(artifacts),
        development_signature=identity.development,
    )
    return Evidence(policy_json=policy_json, files=evidence_files, result=result)


def write_evidence(root: Path, evidence: Evidence, evidence_dir: str = DEFAULT_EVIDENCE_DIR) -> None:
    """``reports/policy.json``, then the evidence directory in one rename (never partly written)."""
    write_text(root / POLICY_REPORT, evidence.policy_json)
    with atomic_path(root / evidence_dir) as staged:
        staged.mkdir()
        for name, data in evidence.files.items():
            (staged / name).write_bytes(data)


def build_evidence(
    root: Path,
    params: Mapping[str, Any],
    policies: PolicySet,
    identity: SigningIdentity,
    evidence_dir: str = DEFAULT_EVIDENCE_DIR,
) -> EvidenceResult:
    """Write ``reports/policy.json`` and the signed ``reports/compliance/`` directory."""
    evidence = assemble_evidence(root, params, policies, identity, evidence_dir)
    write_evidence(root, evidence, evidence_dir)
    return evidence.result

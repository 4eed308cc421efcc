"""The PDF as an archival record: PDF/A-3b with the machine-readable evidence embedded.

An auditor who retrieves only the PDF years later should still hold the numbers
behind it: PDF/A-3 (ISO 19005-3) allows embedded files, so the metrics, the
policy verdict, the fairness and robustness reports and the list of artifact
hashes travel inside the signed file, covered by its signature. The list of
artifacts cannot include the PDF itself (its hash is not known while it is being
written): the evidence directory's ``manifest.json`` adds the PDF and is signed
separately. :func:`attachment_problems` lets ``vigil verify`` check that the
attached copies are the files the manifest lists.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vigil.compliance.canonical import canonical_json

PDFA_PART, PDFA_CONFORMANCE = "3", "B"
WEASYPRINT_VARIANT = "pdf/a-3b"
ARTIFACT_LIST = "artifacts.json"
# Reports attached to the PDF (by file name); the manifest lists each under its path.
ATTACHED_REPORTS = ("reports/metrics.json", "reports/policy.json", "reports/fairness.json", "reports/robustness.json")
DESCRIPTIONS = {
    "metrics.json": "Test-split metrics with their intervals (reports/metrics.json)",
    "policy.json": "Every policy rule's value, threshold and outcome, and the verdict (reports/policy.json)",
    "fairness.json": "Per-group metrics, gaps and their intervals (reports/fairness.json)",
    "robustness.json": "The model under rewrites of the test notes (reports/robustness.json)",
    ARTIFACT_LIST: "SHA-256 of every artifact this report describes; manifest.json adds this PDF",
}


@dataclass(frozen=True)
class Attachment:
    """One embedded file: its name in the PDF, its bytes, and its relationship to the document (PDF/A-3)."""

    name: str
    data: bytes
    description: str
    relationship: str = "Data"  # Source | Data | Alternative | Supplement | Unspecified


def evidence_attachments(
    root: Path, policy_json: bytes, artifacts: Sequence[Mapping[str, Any]], meta: Mapping[str, Any]
) -> list[Attachment]:
    """The reports that exist, the policy outcome being signed, and the artifact list."""
    attachments = []
    for path in ATTACHED_REPORTS:
        name = Path(path).name
        data = policy_json if path == "reports/policy.json" else _read(root / path)
        if data is not None:
            attachments.append(Attachment(name, data, DESCRIPTIONS[name]))
    listing = {
        "schema": "vigil.artifacts/1",
        "commit": meta.get("commit"),
        "created_utc": meta.get("generated_utc"),
        "artifacts": sorted(artifacts, key=lambda a: a["path"]),
    }
    attachments.append(Attachment(ARTIFACT_LIST, canonical_json(listing), DESCRIPTIONS[ARTIFACT_LIST], "Supplement"))
    return attachments


def _read(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() else None


@dataclass(frozen=True)
class ArchiveFacts:
    """What the PDF declares about itself and what it carries."""

    pdfa_part: str | None
    pdfa_conformance: str | None
    output_intent: bool
    attachments: dict[str, bytes] = field(default_factory=dict)

    @property
    def declares_pdfa_3b(self) -> bool:
        return (self.pdfa_part, (self.pdfa_conformance or "").upper()) == (PDFA_PART, PDFA_CONFORMANCE)


def _xmp_value(xmp: str, key: str) -> str | None:
    """``pdfaid:part`` as an attribute or an element of the XMP packet."""
    found = re.search(rf'{key}="([^"]*)"', xmp) or re.search(rf"<{key}>([^<]*)</{key}>", xmp)
    return found.group(1) if found else None


def read_archive(pdf: bytes) -> ArchiveFacts:
    """The PDF/A declaration (XMP), the output intent and the embedded files of ``pdf``."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    root = PdfFileReader(io.BytesIO(pdf), strict=False).root
    xmp = root["/Metadata"].data.decode("utf-8", "replace") if "/Metadata" in root else ""
    intents = root["/OutputIntents"] if "/OutputIntents" in root else []
    has_intent = any(str(intents[i].get("/S")) == "/GTS_PDFA1" for i in range(len(intents)))
    attachments: dict[str, bytes] = {}
    if "/Names" in root and "/EmbeddedFiles" in root["/Names"]:
        names = root["/Names"]["/EmbeddedFiles"].get("/Names") or []
        for index in range(0, len(names) - 1, 2):
            spec = names[index + 1]
            attachments[str(names[index])] = spec["/EF"]["/F"].data
    return ArchiveFacts(_xmp_value(xmp, "pdfaid:part"), _xmp_value(xmp, "pdfaid:conformance"), has_intent, attachments)


def attachment_problems(facts: ArchiveFacts, manifest: Mapping[str, Any]) -> list[str]:
    """Where the attached copies disagree with the signed manifest (or the PDF is not the archival form)."""
    problems = []
    if not facts.declares_pdfa_3b:
        problems.append(f"does not declare PDF/A-3b (part {facts.pdfa_part}, conformance {facts.pdfa_conformance})")
    if not facts.output_intent:
        problems.append("has no PDF/A output intent")
    entries = [entry for entry in manifest.get("artifacts") or [] if isinstance(entry, dict)]
    listed = {entry.get("path"): entry.get("sha256") for entry in entries}
    for path in ATTACHED_REPORTS:
        name = Path(path).name
        if path in listed and name not in facts.attachments:
            problems.append(f"{name} is not attached")
        elif name in facts.attachments and hashlib.sha256(facts.attachments[name]).hexdigest() != listed.get(path):
            problems.append(f"attached {name} differs from {path} in the manifest")
    if ARTIFACT_LIST not in facts.attachments:
        return [*problems, f"{ARTIFACT_LIST} is not attached"]
    try:
        artifacts = json.loads(facts.attachments[ARTIFACT_LIST]).get("artifacts") or []
    except (ValueError, AttributeError):
        return [*problems, f"attached {ARTIFACT_LIST} cannot be parsed"]
    differing = [a.get("path") for a in artifacts if listed.get(a.get("path")) != a.get("sha256")]
    if differing:
        problems.append(
            f"attached {ARTIFACT_LIST} disagrees with the manifest on {len(differing)} file(s): {differing[:3]}"
        )
    return problems

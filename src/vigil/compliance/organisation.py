"""Facts only the organisation knows, for the technical documentation and data protection.

The EU AI Act's technical documentation (Art. 11, Annex IV) and GDPR/LGPD
records name the provider, the lawful basis, the DPIA, the retention period,
the controller and the data protection officer (LGPD's *encarregado*), and the
procedures for human oversight, data-subject requests and post-market
monitoring. No pipeline can compute these. They live in
``policies/organisation/organisation.yaml``, which is reviewed like a policy
and validated against ``organisation_schema.json``. A fact that is left blank is
printed as MISSING in the report and counted for rule DOC-005.

How the training data was collected and labelled, and its known biases
(Art. 10), are facts about one dataset, not about the organisation: with
another dataset the example's answers would be false. They live in the active
data configuration (``params/data/<name>.yaml``, ``describe.data_governance``),
are merged into the same document by :func:`with_data_governance` so the report
prints them in Annex IV order, and are counted for DOC-006 instead.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

from vigil.errors import VigilError
from vigil.yaml_text import load_yaml

ORGANISATION_FILE = "policies/organisation/organisation.yaml"
DATA_DESCRIBE = "data.describe"  # the active data configuration's describe block
SCHEMA = "vigil.organisation/1"


@dataclass(frozen=True)
class Fact:
    """One fact: the report section it belongs to, its dotted key, its label and whether a release needs it."""

    section: str
    key: str
    label: str
    required: bool = True
    source: str = ORGANISATION_FILE  # where a user writes it


ANNEX_IV = "Technical documentation (EU AI Act Art. 11, Annex IV)"
DATA_PROTECTION = "Data protection (GDPR, LGPD)"
FACTS = (
    Fact(ANNEX_IV, "provider.name", "Provider"),
    Fact(ANNEX_IV, "provider.address", "Provider address"),
    Fact(ANNEX_IV, "provider.contact", "Provider contact"),
    Fact(ANNEX_IV, "system.version_policy", "Versioning and change log (Annex IV(1)(c))"),
    Fact(ANNEX_IV, "risk_management.reference", "Risk management system (Art. 9)"),
    Fact(ANNEX_IV, "data_governance.collection", "Data collection (Art. 10(2)(b))", source=DATA_DESCRIBE),
    Fact(ANNEX_IV, "data_governance.labelling", "Labelling (Art. 10(2)(c))", source=DATA_DESCRIBE),
    Fact(
        ANNEX_IV,
        "data_governance.known_biases",
        "Known biases and their handling (Art. 10(2)(f, g))",
        source=DATA_DESCRIBE,
    ),
    Fact(ANNEX_IV, "human_oversight.procedure", "Human oversight procedure (Art. 14)"),
    Fact(ANNEX_IV, "cybersecurity", "Cybersecurity measures (Art. 15(5))"),
    Fact(ANNEX_IV, "post_market_monitoring.plan", "Post-market monitoring plan (Art. 72)"),
    Fact(ANNEX_IV, "standards_applied", "Standards and specifications applied (Annex IV(7))"),
    Fact(DATA_PROTECTION, "data_protection.controller.name", "Controller"),
    Fact(DATA_PROTECTION, "data_protection.controller.contact", "Controller contact"),
    Fact(DATA_PROTECTION, "data_protection.dpo.name", "Data protection officer / encarregado"),
    Fact(DATA_PROTECTION, "data_protection.dpo.contact", "DPO / encarregado contact"),
    Fact(DATA_PROTECTION, "data_protection.lawful_basis", "Lawful basis (GDPR Art. 6, LGPD Art. 7)"),
    Fact(DATA_PROTECTION, "data_protection.dpia.reference", "DPIA (GDPR Art. 35, LGPD Art. 38)"),
    Fact(DATA_PROTECTION, "data_protection.retention", "Retention period (GDPR Art. 5(1)(e), LGPD Art. 15)"),
    Fact(DATA_PROTECTION, "data_protection.data_subject_requests", "Data-subject requests (GDPR 15-22, LGPD 18)"),
)


def _schema() -> dict[str, Any]:
    return json.loads(resources.files("vigil.compliance").joinpath("organisation_schema.json").read_text("utf-8"))


def load_organisation(root: str | os.PathLike[str] = ".") -> dict[str, Any]:
    """The organisation file, validated; ``{}`` when there is none (every fact then reads MISSING)."""
    path = Path(root) / ORGANISATION_FILE
    if not path.is_file():
        return {}
    try:
        document = load_yaml(path.read_text("utf-8")) or {}
    except yaml.YAMLError as exc:
        raise VigilError(f"{ORGANISATION_FILE}: invalid YAML: {exc}") from None
    if isinstance(document, Mapping) and "data_governance" in document:
        raise VigilError(
            f"{ORGANISATION_FILE}: data_governance describes one dataset, not the organisation: move it to "
            f"the data configuration (params/data/<name>.yaml, {DATA_DESCRIBE}.data_governance)"
        )
    errors = sorted(Draft202012Validator(_schema()).iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = ".".join(str(p) for p in first.absolute_path) or "(top level)"
        raise VigilError(f"{ORGANISATION_FILE}: {where}: {first.message}")
    return document


def _value(document: Mapping[str, Any], key: str) -> str | None:
    node: Any = document
    for part in key.split("."):
        node = node.get(part) if isinstance(node, Mapping) else None
    if isinstance(node, list):
        node = "; ".join(str(item) for item in node if str(item).strip())
    text = str(node).strip() if node is not None else ""
    return text or None


def with_data_governance(organisation: Mapping[str, Any], describe: Mapping[str, Any] | None) -> dict[str, Any]:
    """The organisation's facts plus the active dataset's ``describe.data_governance``, one document."""
    return {**organisation, "data_governance": dict((describe or {}).get("data_governance") or {})}


EXAMPLE_MARK = "(fictitious)"  # how the shipped example marks the values a user must replace
EXAMPLE_KEY = "example"  # `example: true`: every fact of the file is the shipped example's, until a person says not
EXAMPLE_PLACEHOLDER = "example placeholder"


def example_facts(document: Mapping[str, Any]) -> list[str]:
    """Dotted keys of the organisation facts that are the shipped example's, not the organisation's own.

    The whole file while it says ``example: true`` (the shipped file does: a fact a person has not replaced is
    the example's whether or not it reads as fiction, like its version policy or its e-mail address), and any
    value still marked "(fictitious)" after that. Such a fact never counts as filled (DOC-005).
    """
    whole_file = document.get(EXAMPLE_KEY) is True
    return [
        fact.key
        for fact in FACTS
        if fact.source == ORGANISATION_FILE
        and (value := _value(document, fact.key)) is not None
        and (whole_file or EXAMPLE_MARK in value)
    ]


def fact_rows(document: Mapping[str, Any]) -> list[tuple[str, str, str | None, bool]]:
    """(section, label, value or None, whether the value is the example's) for every fact, in report order."""
    example = set(example_facts(document))
    return [(fact.section, fact.label, _value(document, fact.key), fact.key in example) for fact in FACTS]


def missing_facts(document: Mapping[str, Any], source: str | None = None) -> list[str]:
    """Dotted keys of the required facts (from ``source``, or any) that are absent or blank."""
    return [
        fact.key
        for fact in FACTS
        if fact.required and (source is None or fact.source == source) and _value(document, fact.key) is None
    ]

"""The EU AI Act Annex IV index: each documentation item, where the report holds it, and whether it is filled.

An auditor checks the technical documentation item by item against Annex IV
(and the GDPR/LGPD records against their articles). The report's content is
organised for reading; this index maps the regulation's list onto it, names the
source of each item (the pipeline; the model card and the data-governance facts
in the active data configuration, ``params/data/<name>.yaml``; or the
organisation's facts in ``policies/organisation/``), and says MISSING where a
source is blank, so a gap is visible on the first page of the documentation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from vigil.compliance.organisation import DATA_DESCRIBE, EXAMPLE_PLACEHOLDER, FACTS, example_facts, missing_facts

# Short names for the table; the report states the files under it.
PIPELINE, MODEL_CARD, ORGANISATION, DATA_CONFIGURATION = (
    "pipeline",
    "model card",
    "organisation file",
    "data configuration",
)
SOURCE_OF_FACT = {fact.key: DATA_CONFIGURATION if fact.source == DATA_DESCRIBE else ORGANISATION for fact in FACTS}
FILLED, MISSING, NOT_RECORDED = "filled", "MISSING", "not recorded"


@dataclass(frozen=True)
class Item:
    """One Annex IV (or GDPR/LGPD) item: its heading, the report anchor that holds it, its sources."""

    heading: str
    anchor: str
    facts: tuple[str, ...] = ()  # fact keys it needs (organisation.FACTS)
    card: tuple[str, ...] = ()  # model card fields it needs
    reports: tuple[str, ...] = ()  # reports/*.json it needs


ITEMS = (
    Item(
        "Provider and system identity (Annex IV 1(a))",
        "annex-facts",
        ("provider.name", "provider.address", "provider.contact"),
    ),
    Item(
        "Intended purpose and reasonably foreseeable misuse (Annex IV 1(a), Art. 13(3)(b))",
        "card",
        card=("intended_use", "out_of_scope_use"),
    ),
    Item(
        "Version and change log against the previous release (Annex IV 1(c))",
        "release-changes",
        ("system.version_policy",),
    ),
    Item("Risk management system (Art. 9, Annex IV 5)", "annex-facts", ("risk_management.reference",)),
    Item(
        "Data governance: sources, collection, labelling, known biases (Art. 10, Annex IV 2(d))",
        "data",
        ("data_governance.collection", "data_governance.labelling", "data_governance.known_biases"),
        reports=("data_quality",),
    ),
    Item(
        "Human oversight (Art. 14, Annex IV 2(e))",
        "annex-facts",
        ("human_oversight.procedure",),
        card=("human_oversight",),
    ),
    Item("Accuracy (Art. 15(1), Annex IV 3)", "performance", reports=("metrics",)),
    Item("Robustness (Art. 15(4))", "robustness", reports=("robustness",)),
    Item("Cybersecurity (Art. 15(5))", "annex-facts", ("cybersecurity",)),
    Item("Non-discrimination across groups (Art. 10(2)(f))", "fairness", reports=("fairness",)),
    Item("Post-market monitoring plan (Art. 72, Annex IV 8)", "annex-facts", ("post_market_monitoring.plan",)),
    Item("Standards and specifications applied (Annex IV 7)", "annex-facts", ("standards_applied",)),
    Item(
        "Controller, DPO / encarregado and contacts (GDPR Art. 13-14, 37; LGPD Art. 41)",
        "data-protection",
        (
            "data_protection.controller.name",
            "data_protection.controller.contact",
            "data_protection.dpo.name",
            "data_protection.dpo.contact",
        ),
    ),
    Item("Lawful basis (GDPR Art. 6, LGPD Art. 7)", "data-protection", ("data_protection.lawful_basis",)),
    Item("DPIA (GDPR Art. 35, LGPD Art. 38)", "data-protection", ("data_protection.dpia.reference",)),
    Item("Retention period (GDPR Art. 5(1)(e), LGPD Art. 15)", "data-protection", ("data_protection.retention",)),
    Item(
        "Data-subject requests (GDPR Art. 15-22, LGPD Art. 18)",
        "data-protection",
        ("data_protection.data_subject_requests",),
    ),
    Item("Personal data removed before training (GDPR Art. 25, LGPD Art. 46)", "data", reports=("privacy",)),
)


def annex_iv_index(
    organisation: Mapping[str, Any],
    model_card: Mapping[str, Any],
    reports: Mapping[str, Any],
    release_recorded: bool,
) -> list[dict[str, Any]]:
    """One row per item: heading, anchor, sources and status (filled / MISSING / example placeholder / not recorded).

    A fact still the shipped example's is never "filled": it describes a fictitious workshop, not the provider.
    """
    missing = set(missing_facts(organisation))
    example = set(example_facts(organisation))
    rows = []
    for item in ITEMS:
        gaps = [f for f in item.facts if f in missing]
        gaps += [f"model card {c}" for c in item.card if not str(model_card.get(c) or "").strip()]
        gaps += [f"reports/{r}.json" for r in item.reports if not reports.get(r)]
        placeholders = [f for f in item.facts if f in example]
        status = MISSING if gaps else EXAMPLE_PLACEHOLDER if placeholders else FILLED
        gaps = gaps or placeholders
        if item.anchor == "release-changes" and status == FILLED and not release_recorded:
            status = NOT_RECORDED  # the policy is stated; no previous release is recorded to compare with
        rows.append(
            {
                "heading": item.heading,
                "anchor": item.anchor,
                "sources": _sources(item),
                "status": status,
                "gaps": gaps,
            }
        )
    return rows


def _sources(item: Item) -> str:
    names: Sequence[str] = [
        *([PIPELINE] if item.reports or item.anchor in ("release-changes",) else []),
        *([MODEL_CARD] if item.card else []),
        *dict.fromkeys(SOURCE_OF_FACT[fact] for fact in item.facts),
    ]
    return ", ".join(names)

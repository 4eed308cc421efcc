"""``reports/privacy.json``: what was found and replaced, what the residual scan saw — counts only."""

from __future__ import annotations

from importlib import metadata
from typing import Any

from vigil.privacy.config import ScrubConfig
from vigil.privacy.residual import RESIDUAL_RULES, RESIDUAL_TYPES
from vigil.privacy.residual_estimate import Calibration, estimate_residual_rate
from vigil.privacy.scrub_output import ScrubTotals


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _names_model(card: dict | None) -> dict[str, Any] | None:
    if card is None:
        return None
    calibration = card["calibration"]
    keys = ("clean_notes", "false_alarms", "leaked_names", "leaked_names_found", "leak_records", "leak_records_flagged")
    return {"threshold": round(float(card["threshold"]), 6), **{key: int(calibration[key]) for key in keys}}


def _estimate(totals: ScrubTotals, names_model: dict[str, Any] | None) -> dict[str, float] | None:
    if names_model is None:
        return None
    calibration = Calibration(
        leaks_found=names_model["leak_records_flagged"],
        leaks=names_model["leak_records"],
        false_alarms=names_model["false_alarms"],
        clean_notes=names_model["clean_notes"],
    )
    return estimate_residual_rate(totals.residual.records_affected, totals.records_scanned, calibration).as_dict()


def privacy_report(
    totals: ScrubTotals, config: ScrubConfig, recognizers: list[str], residual_card: dict | None = None
) -> dict[str, Any]:
    """Counts of what the scrubber replaced and of what the independent residual scan still suspects.

    ``residual_card`` is the scan's name model card (threshold and calibration), which turns the
    flag count into an estimated residual rate with an interval.
    """
    names_model = _names_model(residual_card)
    by_operator: dict[str, list[str]] = {}
    for entity, op in sorted(config.operators.items()):
        by_operator.setdefault(op, []).append(entity)
    residual_total = int(sum(totals.residual.findings.values()))
    return {
        "records_scanned": totals.records_scanned,
        "records_with_pii": totals.records_with_pii,
        "entities": {k: int(v) for k, v in sorted(totals.entity_counts.items())},
        "records_affected": {k: int(v) for k, v in sorted(totals.records_by_type.items())},
        "entities_total": int(sum(totals.entity_counts.values())),
        # Addressable by policy rules (privacy.entity_types_covered.BR_CPF == true).
        "entity_types_covered": {entity: True for entity in sorted(config.entities)},
        "operators": by_operator,
        "pseudonymisation": "keyed HMAC-SHA256" if "pseudonymize" in by_operator else "none",
        "reidentification_vault": "AES (key held outside the repository)" if "encrypt" in by_operator else "none",
        "residual": {
            "findings": {k: int(totals.residual.findings.get(k, 0)) for k in RESIDUAL_TYPES},
            "records_affected": totals.residual.records_affected,
            "records_affected_share": (
                round(totals.residual.records_affected / totals.records_scanned, 6) if totals.records_scanned else 0.0
            ),
            "independent": True,
            "rules": dict(RESIDUAL_RULES),
            "names_model": names_model,
            "estimate": _estimate(totals, names_model),
        },
        "residual_entities": residual_total,
        "config": {
            "digest_sha256": config.digest(),
            "entities": list(config.entities),
            "score_threshold": config.score_threshold,
            "ner_scope": config.ner_scope,
            "phone_regions": list(config.phone_regions),
            "recognizers": sorted(recognizers),
        },
        "models": {
            "spacy_model": config.spacy_model,
            "spacy_model_version": _version(config.spacy_model.replace("_", "-")) or _version(config.spacy_model),
            "spacy": _version("spacy"),
            "presidio_analyzer": _version("presidio-analyzer"),
            "presidio_anonymizer": _version("presidio-anonymizer"),
        },
    }

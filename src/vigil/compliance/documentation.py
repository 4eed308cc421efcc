"""Facts about the run's documentation, exposed to policies as ``documentation.*``.

The EU AI Act asks for technical documentation (Art. 11, Annex IV) and
transparency to deployers (Art. 13). A rule cannot read prose, but it can
require that every model-card section is written, that the data
dictionary exists and that the organisation's facts (provider, lawful basis,
DPIA, procedures: ``organisation.py``) are filled, which is what these facts report.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from vigil.compliance.organisation import (
    DATA_DESCRIBE,
    FACTS,
    ORGANISATION_FILE,
    example_facts,
    missing_facts,
    with_data_governance,
)

MODEL_CARD_FIELDS = (
    "intended_use",
    "out_of_scope_use",
    "training_data",
    "limitations",
    "ethical_considerations",
    "human_oversight",
    "contact",
)
DATA_DICTIONARY = "reports/data_dictionary.md"
# What the report's cover says about the data, from the active data configuration (``data.describe``).
DESCRIBE_FIELDS = ("title", "organisation", "system_name")


def missing_model_card_fields(model_card: Mapping[str, Any] | None) -> list[str]:
    """Required model-card sections that are absent or blank."""
    card = model_card or {}
    return [name for name in MODEL_CARD_FIELDS if not str(card.get(name) or "").strip()]


def documentation_facts(
    model_card: Mapping[str, Any] | None,
    root: str | os.PathLike[str] = ".",
    organisation: Mapping[str, Any] | None = None,
    describe: Mapping[str, Any] | None = None,
    group_columns: Sequence[str] = (),
) -> dict[str, Any]:
    """The ``documentation`` namespace for policy rules (``group_columns``: data.sensitive_features)."""
    missing = missing_model_card_fields(model_card)
    undescribed = [name for name in DESCRIBE_FIELDS if not str((describe or {}).get(name) or "").strip()]
    undescribed += missing_facts(with_data_governance({}, describe), DATA_DESCRIBE)
    groups = (describe or {}).get("groups") or {}
    undescribed += [f"groups.{column}" for column in group_columns if not str(groups.get(column) or "").strip()]
    organisation_missing = missing_facts(organisation or {}, ORGANISATION_FILE)
    organisation_example = example_facts(organisation or {})
    return {
        "model_card_fields": len(MODEL_CARD_FIELDS),
        "model_card_missing": missing,
        "model_card_missing_count": len(missing),
        "data_dictionary": (Path(root) / DATA_DICTIONARY).is_file(),
        "organisation_facts": sum(fact.required and fact.source == ORGANISATION_FILE for fact in FACTS),
        "organisation_missing": organisation_missing,
        "organisation_missing_count": len(organisation_missing),
        "organisation_example": organisation_example,
        "organisation_example_count": len(organisation_example),
        # What DOC-005 reads: a fact is filled only with the organisation's own value, never the example's.
        "organisation_unfilled_count": len(organisation_missing) + len(organisation_example),
        "describe_missing": undescribed,
        "describe_missing_count": len(undescribed),
    }

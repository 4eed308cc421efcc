"""``audit.robustness`` from params.yaml, validated before any text is rewritten.

The rewrites are generic; the terms two of them swap are not. Abbreviations and
a bilingual glossary are one dataset's domain words (workshop notes in English and
Portuguese; aviation remarks in English), so they come from the active data
configuration, ``data.vocabulary``, and an empty table means that rewrite is not
run, rather than run as a no-op that reads as "robust".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from vigil.config_section import from_section
from vigil.errors import VigilError

KNOWN_PERTURBATIONS = (
    "typos",
    "upper",
    "lower",
    "strip_accents",
    "abbreviations",
    "language_mix",
    "placeholders",
    "truncation",
)

VOCABULARY_TABLES = ("abbreviations", "glossary")  # data.vocabulary: the rewrite that uses each is named alike
TABLE_OF = {"abbreviations": "abbreviations", "language_mix": "glossary"}


@dataclass(frozen=True)
class RobustnessSettings:
    perturbations: tuple[str, ...] = KNOWN_PERTURBATIONS
    typo_rate: float = 0.1
    mix_rate: float = 0.5
    truncate_fraction: float = 0.5
    resamples: int = 1000
    confidence: float = 0.95
    abbreviations: Mapping[str, str] = field(default_factory=dict)
    glossary: Mapping[str, str] = field(default_factory=dict)
    seed: int = 0

    @classmethod
    def from_params(
        cls, section: Mapping[str, Any] | None, seed: int, vocabulary: Mapping[str, Any] | None = None
    ) -> RobustnessSettings:
        """``section`` is ``audit.robustness``; ``vocabulary`` is ``data.vocabulary`` (the term tables)."""
        moved = [table for table in VOCABULARY_TABLES if table in (section or {})]
        if moved:
            raise VigilError(
                f"params.yaml: audit.robustness.{moved[0]}: the term tables describe one dataset's words; "
                f"move them to the data configuration (params/data/<name>.yaml: vocabulary.{moved[0]})"
            )
        unknown_tables = sorted(set(vocabulary or {}) - set(VOCABULARY_TABLES))
        if unknown_tables:
            raise VigilError(
                f"params.yaml: data.vocabulary: unknown {unknown_tables}; known: {list(VOCABULARY_TABLES)}"
            )
        tables = {table: dict((vocabulary or {}).get(table) or {}) for table in VOCABULARY_TABLES}
        settings = from_section(cls, {**(section or {}), **tables}, "audit.robustness", seed=seed)
        unknown = [name for name in settings.perturbations if name not in KNOWN_PERTURBATIONS]
        if unknown:
            raise VigilError(
                f"params.yaml: audit.robustness.perturbations: unknown {unknown}; known: {list(KNOWN_PERTURBATIONS)}"
            )
        for name, value in (("typo_rate", settings.typo_rate), ("mix_rate", settings.mix_rate)):
            if not 0.0 < value <= 1.0:
                raise VigilError(f"params.yaml: audit.robustness.{name} must be in (0, 1], got {value}")
        if not 0.0 < settings.truncate_fraction < 1.0:
            raise VigilError(
                f"params.yaml: audit.robustness.truncate_fraction must be in (0, 1), got {settings.truncate_fraction}"
            )
        if not 0.5 < settings.confidence < 1.0:
            raise VigilError(f"params.yaml: audit.robustness.confidence must be in (0.5, 1), got {settings.confidence}")
        if settings.resamples < 100:
            raise VigilError(f"params.yaml: audit.robustness.resamples must be >= 100, got {settings.resamples}")
        for table in VOCABULARY_TABLES:
            entries = getattr(settings, table)
            if not all(isinstance(k, str) and isinstance(v, str) and k and v for k, v in entries.items()):
                raise VigilError(f"params.yaml: data.vocabulary.{table} must map each term to a non-empty term")
        return settings

"""``audit.robustness`` from params.yaml, validated before any text is rewritten."""

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
    def from_params(cls, section: Mapping[str, Any] | None, seed: int) -> RobustnessSettings:
        settings = from_section(cls, section, "audit.robustness", seed=seed)
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
        for table in ("abbreviations", "glossary"):
            entries = getattr(settings, table)
            if not isinstance(entries, Mapping) or not all(
                isinstance(k, str) and isinstance(v, str) and k and v for k, v in entries.items()
            ):
                raise VigilError(f"params.yaml: audit.robustness.{table} must map each term to a non-empty term")
        return settings

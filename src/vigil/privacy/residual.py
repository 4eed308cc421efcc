"""The residual scan: an independent second look at text that has already been scrubbed.

It counts what the first pass missed, by type, and never returns a value.
Placeholders and pseudonyms written by the scrubber are blanked first (same
length, so offsets are irrelevant but harmless) so that a pseudonym's hex
digits are not mistaken for a phone number.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from presidio_analyzer import EntityRecognizer, RecognizerResult

from vigil.privacy.config import ScrubConfig

PLACEHOLDER = re.compile(r"<[A-Z_]+(?:_[0-9a-f]{6,})?>")


def blank_placeholders(text: str) -> str:
    return PLACEHOLDER.sub(lambda m: " " * len(m.group()), text)


@dataclass
class ResidualCounts:
    findings: Counter = field(default_factory=Counter)
    records_affected: int = 0

    def merge(self, other: ResidualCounts) -> None:
        self.findings.update(other.findings)
        self.records_affected += other.records_affected


def residual_scan(recognizers: list[EntityRecognizer], config: ScrubConfig, texts: list[str]) -> ResidualCounts:
    """Run every recognizer directly on blanked text: no NLP pipeline, no context boosting.

    Scores are the recognizers' own (validated matches score 1.0); anything at or
    above ``residual.score_threshold`` counts. Skipping spaCy keeps the second
    pass cheap and independent of the first pass's tokenization and NER.
    """
    counts = ResidualCounts()
    entities = list(config.entities)
    for text in texts:
        blanked = blank_placeholders(text)
        found = [
            result
            for recognizer in recognizers
            for result in recognizer.analyze(blanked, entities, None)  # type: ignore[arg-type]  # pattern recognizers need no NLP
            if result.score >= config.residual_score_threshold
        ]
        if found:
            counts.findings.update(r.entity_type for r in _distinct(found))
            counts.records_affected += 1
    return counts


def _distinct(results: list[RecognizerResult]) -> list[RecognizerResult]:
    """One finding per (type, span): two recognizers agreeing on a phone number are one finding."""
    seen, out = set(), []
    for result in results:
        key = (result.entity_type, result.start, result.end)
        if key not in seen:
            seen.add(key)
            out.append(result)
    return out

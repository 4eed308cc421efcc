"""Scoring a detector against gold PII spans, per entity type and per character.

Span matching is by overlap with the same entity type (partial credit would
hide leaks, so character-level leakage is reported alongside): a gold span is
*recalled* when a predicted span of its type overlaps it; a predicted span is
*precise* when it overlaps a gold span of its type. Character measures ignore
types: the share of PII characters left unmasked, and of non-PII characters
masked (what the model loses).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

Span = tuple[int, int, str]  # start, end, entity type


@dataclass
class TypeScore:
    gold: int = 0
    recalled: int = 0
    predicted: int = 0
    precise: int = 0

    @property
    def recall(self) -> float | None:
        return self.recalled / self.gold if self.gold else None

    @property
    def precision(self) -> float | None:
        return self.precise / self.predicted if self.predicted else None


@dataclass
class DetectionScore:
    by_type: dict[str, TypeScore] = field(default_factory=lambda: defaultdict(TypeScore))
    pii_chars: int = 0
    pii_chars_unmasked: int = 0
    other_chars: int = 0
    other_chars_masked: int = 0

    @property
    def leaked_share(self) -> float:
        return self.pii_chars_unmasked / self.pii_chars if self.pii_chars else 0.0

    @property
    def overmasked_share(self) -> float:
        return self.other_chars_masked / self.other_chars if self.other_chars else 0.0

    def add(self, text_length: int, gold: Iterable[Span], predicted: Iterable[Span]) -> None:
        gold, predicted = list(gold), list(predicted)
        for start, end, kind in gold:
            score = self.by_type[kind]
            score.gold += 1
            score.recalled += any(k == kind and s < end and start < e for s, e, k in predicted)
        for start, end, kind in predicted:
            score = self.by_type[kind]
            score.predicted += 1
            score.precise += any(k == kind and s < end and start < e for s, e, k in gold)
        in_gold = bytearray(text_length)
        masked = bytearray(text_length)
        for start, end, _ in gold:
            in_gold[start:end] = b"\x01" * (end - start)
        for start, end, _ in predicted:
            masked[start:end] = b"\x01" * (end - start)
        for g, m in zip(in_gold, masked, strict=True):
            if g:
                self.pii_chars += 1
                self.pii_chars_unmasked += not m
            else:
                self.other_chars += 1
                self.other_chars_masked += m

    def table(self) -> list[dict[str, object]]:
        rows = []
        for kind in sorted(self.by_type):
            s = self.by_type[kind]
            rows.append(
                {
                    "entity_type": kind,
                    "gold": s.gold,
                    "predicted": s.predicted,
                    "recall": s.recall,
                    "precision": s.precision,
                }
            )
        return rows

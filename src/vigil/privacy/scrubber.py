"""Scrub batches of texts: detect (presidio), resolve overlaps, replace; count, never keep values.

One :class:`Scrubber` per process: building it loads spaCy and compiles the
recognizers (about a second), after which ``scrub_batch`` handles a few
hundred notes per call through one batched NLP pass.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from presidio_analyzer import RecognizerResult
from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import ConflictResolutionStrategy

from vigil.privacy.codes import without_codes, without_numbers_in_addresses
from vigil.privacy.config import OperatorKeys, ScrubConfig, operator_keys
from vigil.privacy.engine import build_scrub_analyzer
from vigil.privacy.name_model import NameModel
from vigil.privacy.operators import encrypt_value, operator_configs
from vigil.privacy.refine import refine_names
from vigil.privacy.truecase import is_single_case


@dataclass
class VaultEntry:
    """Where an encrypted value's placeholder sits in the scrubbed text, and its ciphertext."""

    row: int
    entity_type: str
    start: int
    end: int
    ciphertext: str


@dataclass(frozen=True)
class ScrubbedRow:
    """One note after scrubbing: its text, the type of every value replaced in it, its vault entries.

    Per-row results are what an engine that spreads rows over machines (Spark) can
    send back; both engines count them with :meth:`BatchResult.from_rows`, so their
    privacy counts are computed one way.
    """

    text: str
    entity_types: tuple[str, ...] = ()
    vault: tuple[VaultEntry, ...] = ()


@dataclass
class BatchResult:
    texts: list[str]
    entity_counts: Counter = field(default_factory=Counter)
    records_by_type: Counter = field(default_factory=Counter)
    records_with_pii: int = 0
    vault: list[VaultEntry] = field(default_factory=list)

    @classmethod
    def from_rows(cls, rows: list[ScrubbedRow]) -> BatchResult:
        out = cls(texts=[row.text for row in rows])
        for row in rows:
            if row.entity_types:
                out.entity_counts.update(row.entity_types)
                out.records_by_type.update(set(row.entity_types))
                out.records_with_pii += 1
            out.vault.extend(row.vault)
        return out


class Scrubber:
    def __init__(
        self, config: ScrubConfig, keys: OperatorKeys | None = None, name_model: NameModel | None = None
    ) -> None:
        """``keys`` are the keyed operators' keys and ``name_model`` the learned name model when the caller has
        them already (a Spark executor gets both from the driver); otherwise they come from the environment and
        ``scrub.name_model.path``."""
        self.config = config
        self.analyzer = build_scrub_analyzer(config, name_model)
        self.anonymizer = AnonymizerEngine()
        keys = keys if keys is not None else operator_keys(config)
        self._pseudonym_key = keys.get("pseudonymize")
        self._encryption_key = keys.get("encrypt")
        self._pending: list[tuple[str, str]] = []
        self._operators = operator_configs(
            dict(config.operators),
            self._pseudonym_key,
            (lambda entity, value: self._pending.append((entity, value))) if self._encryption_key else None,
        )
        self._entities = list(config.entities)

    def analyze_batch(self, texts: list[str]) -> list[list[RecognizerResult]]:
        """presidio results per text (batched NLP, then recognizers per text, then note-level names).

        Runs inside a spaCy memory zone: strings and lexemes that the batch adds to
        the vocabulary (every e-mail, plate and typo is a new string) are freed at
        the end, so a worker's memory stays flat over millions of notes.
        """
        engine = self.analyzer.nlp_engine
        results = []
        with engine.nlp[self.config.language].memory_zone():  # type: ignore[attr-defined]  # our SpacyNlpEngine
            for text, artifacts in engine.process_batch(texts, self.config.language):
                found = self.analyzer.analyze(
                    text,
                    language=self.config.language,
                    entities=self._entities,
                    nlp_artifacts=artifacts,
                    score_threshold=self.config.score_threshold,
                )
                found = without_numbers_in_addresses(without_codes(text, found))
                if "PERSON" in self._entities:
                    found = refine_names(text, found, is_single_case(text))
                results.append(found)
        return results

    def scrub_batch(self, texts: list[str]) -> BatchResult:
        return BatchResult.from_rows(self.scrub_rows(texts))

    def scrub_rows(self, texts: list[str]) -> list[ScrubbedRow]:
        """Each text scrubbed; a vault entry's ``row`` is its text's index in ``texts``."""
        out: list[ScrubbedRow] = []
        for row, (text, findings) in enumerate(zip(texts, self.analyze_batch(texts), strict=True)):
            if not findings:
                out.append(ScrubbedRow(text))
                continue
            self._pending.clear()
            result = self.anonymizer.anonymize(
                text,
                findings,  # type: ignore[arg-type]  # analyzer results; the anonymizer reads the same fields
                operators=self._operators,
                conflict_resolution=ConflictResolutionStrategy.REMOVE_INTERSECTIONS,
            )
            vault: list[VaultEntry] = []
            if self._pending:
                # Custom operators run in item order, so pending values line up with encrypt items.
                encrypted = [
                    i
                    for i in result.items
                    if i.operator == "custom" and self.config.operators[i.entity_type] == "encrypt"
                ]
                assert self._encryption_key is not None  # encrypted items exist only when a key was loaded
                for item, (entity, value) in zip(encrypted, self._pending, strict=True):
                    vault.append(
                        VaultEntry(row, entity, item.start, item.end, encrypt_value(self._encryption_key, value))
                    )
            out.append(ScrubbedRow(result.text, tuple(item.entity_type for item in result.items), tuple(vault)))
        return out

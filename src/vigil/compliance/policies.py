"""Policy files: load ``policies/*.yaml`` into rules, validated against a JSON Schema.

A policy file is the reviewer-facing contract (docs/architecture.md "Policies and the
gate"), so a typo in it must stop the gate with the file and the rule named,
never silently drop a rule. Validation is a published JSON Schema
(``policy_schema.json``) plus the checks a schema cannot express (unique ids
across files, numeric thresholds for ordering operators).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from vigil.errors import VigilError
from vigil.yaml_text import load_yaml

DEFAULT_POLICY_DIR = "policies"
ORDERING_OPS = frozenset({">=", "<="})


@dataclass(frozen=True)
class Rule:
    """One check of one report value against a threshold."""

    id: str
    title: str
    metric: str
    op: str
    threshold: float | str | bool
    severity: str
    references: tuple[str, ...]
    policy: str
    source: str
    rationale: str = ""
    # A report may say a metric could not be measured (too little data); whether that blocks is the policy's call.
    when_not_assessable: str = "block"
    # The severity for a release (`vigil gate --release`, the release job); None: the same as ``severity``.
    # A fact a pull request may still lack (the organisation's own facts) warns on proposals, blocks a release.
    release_severity: str | None = None

    @property
    def blocking(self) -> bool:
        return self.severity == "blocking"

    @property
    def blocking_for_release(self) -> bool:
        return (self.release_severity or self.severity) == "blocking"


@dataclass(frozen=True)
class PolicySet:
    """All rules of a policy directory, in file then rule order, with the files' digest."""

    rules: tuple[Rule, ...]
    titles: dict[str, str]
    digest: str


@cache
def policy_schema() -> dict[str, Any]:
    """The JSON Schema every policy file satisfies (shipped in the package)."""
    return json.loads(resources.files("vigil.compliance").joinpath("policy_schema.json").read_text("utf-8"))


def _rule_label(document: Any, index: int) -> str:
    rules = document.get("rules") if isinstance(document, dict) else None
    rule = rules[index] if isinstance(rules, list) and index < len(rules) else None
    rule_id = rule.get("id") if isinstance(rule, dict) else None
    return f"rule {rule_id!r} (#{index + 1})" if rule_id else f"rule #{index + 1}"


def _schema_errors(document: Any, source: str) -> list[str]:
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(policy_schema())
    messages = []
    for error in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path))):
        path = list(error.absolute_path)
        where = source
        if len(path) >= 2 and path[0] == "rules" and isinstance(path[1], int):
            where += f", {_rule_label(document, path[1])}"
            path = path[2:]
        field = ".".join(map(str, path))
        messages.append(f"{where}{f', field {field!r}' if field else ''}: {error.message}")
    return messages


def parse_policy(document: Any, source: str) -> tuple[str, str, list[Rule]]:
    """Validate one parsed policy file; return its name, title and rules."""
    errors = _schema_errors(document, source)
    if errors:
        raise VigilError("; ".join(errors))
    rules = []
    for index, raw in enumerate(document["rules"]):
        if raw["op"] in ORDERING_OPS and (
            isinstance(raw["threshold"], bool) or not isinstance(raw["threshold"], int | float)
        ):
            raise VigilError(
                f"{source}, {_rule_label(document, index)}, field 'threshold': "
                f"op {raw['op']!r} needs a number, got {raw['threshold']!r}"
            )
        rules.append(
            Rule(
                id=raw["id"],
                title=raw["title"],
                metric=raw["metric"],
                op=raw["op"],
                threshold=raw["threshold"],
                severity=raw["severity"],
                references=tuple(raw["references"]),
                policy=document["policy"],
                source=source,
                rationale=raw.get("rationale", ""),
                when_not_assessable=raw.get("when_not_assessable", "block"),
                release_severity=raw.get("release_severity"),
            )
        )
    return document["policy"], document["title"], rules


def load_policies(directory: str | os.PathLike[str] = DEFAULT_POLICY_DIR) -> PolicySet:
    """Load and validate every ``*.yaml`` in ``directory`` (ids must be unique across files)."""
    root = Path(directory)
    files = sorted(root.glob("*.yaml"))
    if not files:
        raise VigilError(f"{root}: no policy files (*.yaml) found")
    digest = hashlib.sha256()
    rules: list[Rule] = []
    titles: dict[str, str] = {}
    seen: dict[str, str] = {}
    for path in files:
        raw = path.read_bytes()
        digest.update(f"{path.name}\0".encode() + hashlib.sha256(raw).digest())
        try:
            document = load_yaml(raw)
        except yaml.YAMLError as exc:
            raise VigilError(f"{path}: not valid YAML: {exc}") from None
        name, title, file_rules = parse_policy(document, str(path))
        if name in titles:
            raise VigilError(f"{path}: policy name {name!r} is already used by another file")
        titles[name] = title
        for rule in file_rules:
            if rule.id in seen:
                raise VigilError(f"{path}, rule {rule.id!r}: id already defined in {seen[rule.id]}")
            seen[rule.id] = str(path)
        rules.extend(file_rules)
    return PolicySet(rules=tuple(rules), titles=titles, digest=digest.hexdigest())

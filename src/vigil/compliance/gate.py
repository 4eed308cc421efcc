"""Evaluate policy rules against the reports: the verdict of a run.

A missing or null metric is a failure, never a pass (docs/architecture.md): a renamed
report key must not silently turn a blocking rule green. The one exception is a
metric its report declares *not assessable*, with the reason, in a ``not_assessable``
mapping beside it (a fairness gap when no two groups have enough test records):
that is status ``not_assessable``, and the rule's ``when_not_assessable`` (``block``
by default, or ``warn``) decides whether it blocks a release. The result is
deterministic (no timestamps) so the ``report`` stage and ``vigil gate`` write
byte-identical ``reports/policy.json`` files.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from vigil.compliance.evidence_inputs import MISSING, lookup
from vigil.compliance.policies import PolicySet, Rule

PASS, FAIL, MISSING_STATUS, NOT_ASSESSABLE = "pass", "fail", "missing", "not_assessable"


@dataclass(frozen=True)
class RuleOutcome:
    """One rule's result: its status, the value read and, when it did not pass, why."""

    rule: Rule
    status: str
    value: Any
    detail: str

    @property
    def passed(self) -> bool:
        return self.status == PASS

    @property
    def blocks(self) -> bool:
        """Whether this outcome fails the gate of a run (a pull request's, a local one)."""
        return self._blocks(self.rule.blocking)

    @property
    def blocks_release(self) -> bool:
        """Whether this outcome stops a release (the rule's ``release_severity``, else its severity)."""
        return self._blocks(self.rule.blocking_for_release)

    def _blocks(self, blocking: bool) -> bool:
        if self.passed or not blocking:
            return False
        return self.status != NOT_ASSESSABLE or self.rule.when_not_assessable == "block"


def _compare(value: Any, op: str, threshold: Any) -> tuple[bool, str]:
    if op == "==":
        if _is_number(value) and _is_number(threshold):
            ok = math.isclose(value, threshold, rel_tol=0, abs_tol=1e-12)
        else:
            ok = type(value) is type(threshold) and value == threshold
        return ok, "" if ok else f"{value!r} is not {threshold!r}"
    if not _is_number(value):
        return False, f"{value!r} is not a number"
    ok = value >= threshold if op == ">=" else value <= threshold
    return ok, "" if ok else f"{value:g} is not {op} {threshold:g}"


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def evaluate_rule(rule: Rule, reports: Mapping[str, Any]) -> RuleOutcome:
    """Read the rule's metric and compare it with the threshold."""
    value = lookup(reports, rule.metric)
    if value is MISSING or value is None:
        reason = not_assessable_reason(reports, rule.metric)
        if reason:
            return RuleOutcome(rule, NOT_ASSESSABLE, None, reason)
        namespace = rule.metric.split(".", 1)[0]
        reason = f"report {namespace!r} is absent" if namespace not in reports else "metric not in the report"
        return RuleOutcome(rule, MISSING_STATUS, None, reason if value is MISSING else "metric is null")
    if isinstance(value, Mapping | list):
        return RuleOutcome(rule, FAIL, None, "metric path names a section, not a value")
    ok, detail = _compare(value, rule.op, rule.threshold)
    return RuleOutcome(rule, PASS if ok else FAIL, value, detail)


def not_assessable_reason(reports: Mapping[str, Any], metric: str) -> str | None:
    """The report's own statement that ``metric`` could not be measured (``<parent>.not_assessable.<leaf>``)."""
    parent, _, leaf = metric.rpartition(".")
    reason = lookup(reports, f"{parent}.not_assessable.{leaf}")
    return str(reason) if isinstance(reason, str) and reason else None


def evaluate(policies: PolicySet, reports: Mapping[str, Any]) -> list[RuleOutcome]:
    """Every rule's outcome, in policy-file order."""
    return [evaluate_rule(rule, reports) for rule in policies.rules]


def verdict(outcomes: list[RuleOutcome]) -> str:
    """``fail`` when any blocking rule did not pass, else ``pass``."""
    return FAIL if any(o.blocks for o in outcomes) else PASS


def policy_report(policies: PolicySet, outcomes: list[RuleOutcome]) -> dict[str, Any]:
    """The content of ``reports/policy.json``."""
    blocking_failures = [o.rule.id for o in outcomes if o.blocks]
    warnings = [o.rule.id for o in outcomes if not o.passed and not o.blocks]
    return {
        "verdict": verdict(outcomes),
        "release_verdict": FAIL if any(o.blocks_release for o in outcomes) else PASS,
        "release_blocking_failures": [o.rule.id for o in outcomes if o.blocks_release],
        "counts": {
            "rules": len(outcomes),
            "passed": sum(o.passed for o in outcomes),
            "blocking_failures": len(blocking_failures),
            "warnings": len(warnings),
            "not_assessable": sum(o.status == NOT_ASSESSABLE for o in outcomes),
        },
        "blocking_failures": blocking_failures,
        "warnings": warnings,
        "policies": policies.titles,
        "policies_digest_sha256": policies.digest,
        "rules": [
            {
                "id": o.rule.id,
                "policy": o.rule.policy,
                "title": o.rule.title,
                "metric": o.rule.metric,
                "op": o.rule.op,
                "threshold": o.rule.threshold,
                "value": o.value,
                "status": o.status,
                "severity": o.rule.severity,
                "when_not_assessable": o.rule.when_not_assessable,
                "release_severity": o.rule.release_severity or o.rule.severity,
                "references": list(o.rule.references),
                "detail": o.detail,
            }
            for o in outcomes
        ],
    }


def format_value(value: Any) -> str:
    """Short human form of a rule value (numbers to 4 significant digits)."""
    if value is None:
        return "—"
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if _is_number(value):
        return f"{value:.4g}"
    return str(value)


def format_table(report: Mapping[str, Any]) -> str:
    """The compact terminal table ``vigil gate`` prints."""
    rows = [("rule", "status", "severity", "value", "threshold", "metric")]
    for rule in report["rules"]:
        status = rule["status"].upper() if rule["status"] != PASS else "pass"
        rows.append(
            (
                rule["id"],
                status,
                rule["severity"],
                format_value(rule["value"]),
                f"{rule['op']} {format_value(rule['threshold'])}",
                rule["metric"],
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    counts = report["counts"]
    lines.append(
        f"verdict: {report['verdict'].upper()} ({counts['passed']}/{counts['rules']} rules passed, "
        f"{counts['blocking_failures']} blocking failure(s), {counts['warnings']} warning(s))"
    )
    return "\n".join(lines)

"""The rules our GitHub workflows must keep, as pure functions over a parsed workflow.

Schema validation (check-jsonschema) says a workflow is well-formed; these say it
is safe and does what the release process promises: no script injection, no
secret printed, CML never publishing to its default asset host, the policy gate
before the comment. Each rule returns human-readable violations (empty = ok).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

# Contexts an outsider controls (PR title, branch name, commit message, ...): never inside a script.
UNTRUSTED_CONTEXT = re.compile(r"\$\{\{[^}]*\b(github\.event\.|github\.head_ref|inputs\.)", re.IGNORECASE)
SECRET_CONTEXT = re.compile(r"\$\{\{\s*secrets\.", re.IGNORECASE)
PRINTING = re.compile(r"^\s*(echo|printf|cat)\b")


def steps(workflow: dict[str, Any]) -> Iterator[tuple[str, int, dict[str, Any]]]:
    for job_name, job in (workflow.get("jobs") or {}).items():
        for index, step in enumerate(job.get("steps") or []):
            yield job_name, index, step


def _where(job: str, index: int, step: dict[str, Any]) -> str:
    return f"job {job!r} step {index + 1} ({step.get('name') or step.get('uses') or 'run'})"


def script_injection(workflow: dict[str, Any]) -> list[str]:
    """Untrusted event data or secrets interpolated straight into a shell script."""
    problems = []
    for job, index, step in steps(workflow):
        script = str(step.get("run", ""))
        if UNTRUSTED_CONTEXT.search(script):
            problems.append(f"{_where(job, index, step)}: untrusted context interpolated into run (pass it via env)")
        if SECRET_CONTEXT.search(script):
            problems.append(f"{_where(job, index, step)}: secret interpolated into run (pass it via env)")
    return problems


def secrets_echoed(workflow: dict[str, Any]) -> list[str]:
    """A secret-backed variable printed to the log (echo/printf/cat without redirection) or `set -x`."""
    problems = []
    for job, index, step in steps(workflow):
        secret_vars = [k for k, v in (step.get("env") or {}).items() if SECRET_CONTEXT.search(str(v))]
        if not secret_vars:
            continue
        for line in str(step.get("run", "")).splitlines():
            if re.search(r"\bset\s+-[a-z]*x", line):
                problems.append(f"{_where(job, index, step)}: `set -x` would print secrets")
            mentioned = [v for v in secret_vars if re.search(rf"\${{?{v}\b", line)]
            if mentioned and PRINTING.search(line) and ">" not in line:
                problems.append(f"{_where(job, index, step)}: prints secret variable(s) {mentioned}")
    return problems


def cml_publishing(workflow: dict[str, Any]) -> list[str]:
    """CML must not upload to its default asset host: --no-publish or our own --publish-url."""
    problems = []
    for job, index, step in steps(workflow):
        for line in str(step.get("run", "")).splitlines():
            if re.search(r"\bcml\s+(publish|asset\s+publish)\b", line):
                problems.append(f"{_where(job, index, step)}: `cml publish` uploads to a third-party host")
            elif re.search(r"\bcml\s+(comment|send-comment|pr)\b", line) and not re.search(
                r"--no-publish\b|--publish-url[ =]", line
            ):
                problems.append(f"{_where(job, index, step)}: cml without --no-publish or --publish-url")
    return problems


def gate_before_comment(workflow: dict[str, Any]) -> list[str]:
    """In every job that comments, `vigil gate` runs in an earlier step."""
    problems = []
    for job_name, job in (workflow.get("jobs") or {}).items():
        scripts = [str(step.get("run", "")) for step in job.get("steps") or []]
        comments = [i for i, s in enumerate(scripts) if re.search(r"\bcml\s+(comment|send-comment)\b", s)]
        gates = [i for i, s in enumerate(scripts) if re.search(r"\bvigil\s+gate\b", s)]
        if comments and (not gates or min(gates) > min(comments)):
            problems.append(f"job {job_name!r}: the PR comment is posted before (or without) `vigil gate`")
    return problems


def least_privilege(workflow: dict[str, Any]) -> list[str]:
    """Top-level permissions are declared (the default token can write everything)."""
    return [] if isinstance(workflow.get("permissions"), dict) else ["no top-level `permissions:` block"]


ALL_RULES = (script_injection, secrets_echoed, cml_publishing, gate_before_comment, least_privilege)


def violations(workflow: dict[str, Any]) -> list[str]:
    return [problem for rule in ALL_RULES for problem in rule(workflow)]

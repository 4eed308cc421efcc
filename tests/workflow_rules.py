"""The rules our GitHub workflows must keep, as pure functions over a parsed workflow.

Schema validation (check-jsonschema) says a workflow is well-formed; these say it
is safe and does what the release process promises: no script injection, no
secret printed, CML never publishing to its default asset host, installs only from the lock
(CPU torch), actions at a version, the policy gate
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
        comments = [
            i for i, s in enumerate(scripts) if re.search(r"\bcml\s+(comment|send-comment)\b|\bvigil\s+pr-comment\b", s)
        ]
        gates = [i for i, s in enumerate(scripts) if re.search(r"\bvigil\s+gate\b", s)]
        if comments and (not gates or min(gates) > min(comments)):
            problems.append(f"job {job_name!r}: the PR comment is posted before (or without) `vigil gate`")
    return problems


def least_privilege(workflow: dict[str, Any]) -> list[str]:
    """Top-level permissions are declared (the default token can write everything)."""
    return [] if isinstance(workflow.get("permissions"), dict) else ["no top-level `permissions:` block"]


RELEASE_KEY = re.compile(r"secrets\.(VIGIL_RELEASE_SIGNING\w*)")
PR_KEY = re.compile(r"secrets\.(VIGIL_PR_SIGNING\w*)")
UNTRUSTED_TRIGGERS = {"pull_request", "pull_request_target", "workflow_run", "issue_comment"}
SIGN_ONLY = "dvc repro --force --single-item report"


def _triggers(workflow: dict[str, Any]) -> set[str]:
    on = workflow.get("on", workflow.get(True))  # YAML 1.1 reads the bare key `on` as True
    return set(on) if isinstance(on, dict | list) else {str(on)}


def signing_key_scope(workflows: dict[str, dict[str, Any]]) -> list[str]:
    """The release key is read by one step, in a job of a protected environment that runs no pipeline code.

    Pipeline code (any stage but the signing report stage) can plant anything on
    a runner, so the job holding the release key must run none of it, must not
    be reachable from pull requests, and must sit in an environment whose
    protection rules limit it to main and tags. The pull-request key stays in
    the pull-request workflow.
    """
    problems = []
    for name, workflow in workflows.items():
        for job_name, job in (workflow.get("jobs") or {}).items():
            job_steps = job.get("steps") or []
            readers = [i for i, step in enumerate(job_steps) if RELEASE_KEY.search(str(step))]
            if readers:
                where = f"{name} job {job_name!r}"
                if _triggers(workflow) & UNTRUSTED_TRIGGERS:
                    problems.append(f"{where}: reads the release key in a workflow pull requests can trigger")
                if not job.get("environment"):
                    problems.append(f"{where}: reads the release key outside a protected environment")
                if len(readers) != 1 or str(job_steps[readers[0]].get("run", "")).strip() != SIGN_ONLY:
                    problems.append(f"{where}: the release key must reach only the step `{SIGN_ONLY}`")
                for script in (str(step.get("run", "")) for step in job_steps):
                    for line in script.splitlines():
                        if re.search(r"\bdvc\s+(repro|exp)\b|\bvigil\s+reproduce\b", line) and SIGN_ONLY not in line:
                            problems.append(f"{where}: runs pipeline code ({line.strip()}) in the release-key job")
            if any(PR_KEY.search(str(step)) for step in job_steps) and name != "pr.yml":
                problems.append(f"{name} job {job_name!r}: the pull-request key belongs to pr.yml only")
    return problems


CPU_TORCH_INDEX = "https://download.pytorch.org/whl/cpu"
PINNED_REF = re.compile(r"@(v\d+(\.\d+)*|[0-9a-f]{40})$")


def locked_installs(workflow: dict[str, Any]) -> list[str]:
    """Python packages come from requirements.lock, and torch as its CPU build.

    ``make venv``/``make test`` install with the lock as constraints and fail on any
    installed distribution it does not pin; on GitHub runners they need TORCH_INDEX,
    or PyPI's CUDA torch pulls unpinned nvidia/triton wheels. A bare ``pip install``
    must name the lock (constraints) or hashes.
    """
    problems = []
    for job, index, step in steps(workflow):
        script = str(step.get("run", ""))
        for line in script.splitlines():
            if re.search(r"\bpip\s+install\b", line) and not re.search(r"-c requirements\.lock|--require-hashes", line):
                problems.append(f"{_where(job, index, step)}: `pip install` without -c requirements.lock")
        if re.search(r"\bmake\s+(venv|test|run)\b", script):
            env = {**(workflow.get("env") or {}), **(workflow["jobs"][job].get("env") or {}), **(step.get("env") or {})}
            if env.get("TORCH_INDEX") != CPU_TORCH_INDEX:
                problems.append(f"{_where(job, index, step)}: installs without TORCH_INDEX={CPU_TORCH_INDEX}")
    return problems


def pinned_actions(workflow: dict[str, Any]) -> list[str]:
    """Every action at a release tag or a commit, never a moving branch (``@main``) or no ref at all."""
    return [
        f"{_where(job, index, step)}: `{step['uses']}` is not pinned to a version tag or commit"
        for job, index, step in steps(workflow)
        if "uses" in step and not str(step["uses"]).startswith("./") and not PINNED_REF.search(str(step["uses"]))
    ]


ALL_RULES = (
    script_injection,
    secrets_echoed,
    cml_publishing,
    gate_before_comment,
    least_privilege,
    locked_installs,
    pinned_actions,
)


def violations(workflow: dict[str, Any]) -> list[str]:
    return [problem for rule in ALL_RULES for problem in rule(workflow)]

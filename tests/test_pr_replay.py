"""pr.yml replayed step by step on a pull request whose author pushed outputs CI cannot reproduce.

The workflow file itself is executed: every ``run:`` step of the ``experiment`` job,
in order, with its ``env:`` and ``if:`` as GitHub evaluates them for this case,
secrets replaced by a test pull-request key and the repository variables by a
local DVC remote, and the GitHub API by a fake one on 127.0.0.1 that already
holds the pull request's earlier comments. Steps that ``uses:`` an action
(checkout, setup-python, upload-artifact) and the install step are what the
runner provides; step outputs go through ``GITHUB_OUTPUT`` as on a runner.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import yaml

from conftest import REPO_ROOT, offline_env, run
from vigil.compliance.keys import make_self_signed, write_identity

EXPRESSION = re.compile(r"\$\{\{\s*(.+?)\s*\}\}")


def _expand(value: Any, context: dict[str, str], outputs: dict[str, dict[str, str]]) -> str:
    def lookup(expression: str) -> str:
        step = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expression)
        if step and step.group(2) in outputs.get(step.group(1), {}):
            return outputs[step.group(1)][step.group(2)]
        return context.get(expression, "")  # an action's outputs (not replayed) come from the test's context

    return EXPRESSION.sub(lambda m: lookup(m.group(1)), str(value))


def _condition_holds(
    condition: str, failed: bool, outcomes: dict[str, str], outputs: dict[str, dict[str, str]]
) -> bool:
    """The forms pr.yml uses, joined by ``&&``: ``always()``, ``steps.X.outcome == 'success'`` and
    ``steps.X.outputs.Y == 'v'`` (or ``!=``); no condition means "success so far"."""
    if not condition:
        return not failed
    if "always()" not in condition and failed:
        return False
    for term in (t.strip() for t in condition.split("&&")):
        outcome = re.fullmatch(r"steps\.([\w-]+)\.outcome == '(\w+)'", term)
        if outcome and outcomes.get(outcome.group(1), "success") != outcome.group(2):
            return False  # an action step not replayed counts as succeeded
        output = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+) (==|!=) '([^']*)'", term)
        if output:
            value = outputs.get(output.group(1), {}).get(output.group(2), "")
            if (value == output.group(4)) != (output.group(3) == "=="):
                return False
        elif not outcome and term != "always()":
            raise AssertionError(f"replay does not understand the condition term {term!r}")
    return True


def replay(workflow: dict[str, Any], job: str, repo: Path, context: dict[str, str], env: dict[str, str]) -> list[str]:
    """Run the job's ``run:`` steps as the runner would; returns a log line per step."""
    failed, outcomes, outputs, log = False, {}, {}, []
    for index, step in enumerate(workflow["jobs"][job]["steps"]):
        name = step.get("name") or step.get("uses", "")
        if "uses" in step or name.startswith("Install"):
            log.append(f"provided by the runner: {name}")
            continue
        if not _condition_holds(str(step.get("if", "")), failed, outcomes, outputs):
            log.append(f"skipped: {name}")
            continue
        output_file = Path(env["RUNNER_TEMP"]) / f"output-{index}"
        output_file.write_text("")
        step_env = {**env, **{k: _expand(v, context, outputs) for k, v in (workflow.get("env") or {}).items()}}
        step_env.update({k: _expand(v, context, outputs) for k, v in (step.get("env") or {}).items()})
        step_env["GITHUB_OUTPUT"] = str(output_file)
        done = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=repo, env=step_env, capture_output=True, text=True)
        outcome = "success" if done.returncode == 0 else "failure"
        outcomes[step.get("id", name)] = outcome
        if step.get("id"):
            lines = output_file.read_text().splitlines()
            outputs[step["id"]] = dict(line.split("=", 1) for line in lines if "=" in line)
        if outcome == "failure" and not step.get("continue-on-error"):
            failed = True
        log.append(f"{outcome}: {name}\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return log


def test_pr_workflow_recomputes_and_signs_with_the_pr_key_and_names_what_it_did_not_reproduce(
    pipeline_copy: Path, tmp_path: Path, fake_github
):
    repo = pipeline_copy
    run(["git", "update-ref", "refs/remotes/origin/main", "HEAD"], repo)  # the base branch, as checkout fetches it
    run(["git", "checkout", "-qb", "proposal"], repo)
    # The author's proposal: outputs nobody's code produces (a better accuracy), locked, signed and pushed.
    metrics = json.loads((repo / "reports/metrics.json").read_text())
    claimed = round(min(0.999, metrics["accuracy"] + 0.05), 4)
    (repo / "reports/metrics.json").write_text(json.dumps({**metrics, "accuracy": claimed}, indent=2))
    run(["dvc", "commit", "--force", "evaluate"], repo)  # locked as if evaluate had written it
    run(["dvc", "push"], repo)
    run(["git", "add", "-A"], repo)
    run(["git", "commit", "-qm", "proposal: better accuracy"], repo)
    assert json.loads((repo / "reports/metrics.json").read_text())["accuracy"] == claimed

    key, certificate = make_self_signed("Vigil pull-request signer", development=False)
    write_identity(key, certificate, tmp_path / "pr-key.pem", tmp_path / "pr-cert.pem")
    context = {
        "secrets.VIGIL_PR_SIGNING_KEY": str(tmp_path / "pr-key.pem"),
        "secrets.VIGIL_PR_SIGNING_CERT": str(tmp_path / "pr-cert.pem"),
        "vars.DVC_REMOTE_URL": str(repo / ".dvc-storage"),
        "github.base_ref": "main",
        "steps.evidence.outputs.artifact-url": "https://github.invalid/owner/repo/actions/runs/1/artifacts/2",
        "github.event.pull_request.head.repo.full_name": "owner/repo",  # not a fork
        "github.event.pull_request.number": "7",
        "secrets.GITHUB_TOKEN": "test-token",
    }
    api, github = fake_github
    github.comments.extend({"id": i, "body": "looks good", "user": {"login": "reviewer"}} for i in range(35))
    runner = tmp_path / "runner"
    runner.mkdir()
    summary = runner / "step-summary.md"
    env = offline_env(
        CI="true",
        GITHUB_ACTIONS="true",
        RUNNER_TEMP=str(runner),
        GITHUB_STEP_SUMMARY=str(summary),
        GITHUB_REPOSITORY="owner/repo",
        GITHUB_API_URL=api,
    )
    env.pop("VIGIL_DEV_KEYS")  # CI's default: never a development key
    env["PATH"] = f"{REPO_ROOT / '.venv' / 'bin'}{os.pathsep}{env['PATH']}"
    workflow = yaml.safe_load((REPO_ROOT / ".github/workflows/pr.yml").read_text())
    log = replay(workflow, "experiment", repo, context, env)
    text = "\n".join(log)
    assert "success: Recompute every stage from the inputs and sign with the pull-request key" in text, text

    # What is gated and signed is what CI computed, not the pushed claim.
    computed = json.loads((repo / "reports/metrics.json").read_text())["accuracy"]
    assert computed == metrics["accuracy"] != claimed
    assert (repo / "reports/compliance/signer.pem").read_bytes() == (tmp_path / "pr-cert.pem").read_bytes()
    verified = run(["vigil", "verify", "reports/compliance", "--trust", str(tmp_path / "pr-cert.pem")], repo)
    assert "verification passed" in verified.stdout

    # The non-reproducible output is named, in the job summary and in the comment.
    reproduction = (repo / "reproduction.md").read_text()
    assert "**Not reproduced**" in reproduction
    assert re.search(r"- `reports/metrics.json` \(evaluate\): different; largest difference", reproduction), (
        reproduction
    )
    differing = re.findall(r"^- `([^`]+)`", reproduction, flags=re.M)
    assert differing == ["reports/metrics.json"], differing  # the model, data and other reports reproduced
    assert "Not reproduced" in summary.read_text() and "### Against `origin/main`" in summary.read_text()
    comment = (repo / "comment.md").read_text()
    assert "### Reproduction by CI" in comment and "`reports/metrics.json`" in comment
    assert "github.invalid/owner/repo/actions/runs/1/artifacts/2" in comment
    # Against the base: CI recomputed the base's model, so the paired test on the same notes finds no change.
    assert comment.index("### Against `origin/main`") < comment.index("### Headline metrics")
    assert "⚪ no change" in comment and "No parameter changed." in comment
    # Posted once through the API, after the PR's 35 other comments, and the head commit is named.
    ours = [c for c in github.comments if c["user"]["login"] == "github-actions[bot]"]
    assert len(ours) == 1 and ours[0]["body"] == comment
    head = run(["git", "rev-parse", "HEAD"], repo).stdout.strip()
    assert f"--rev {head}" in comment

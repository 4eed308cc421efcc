"""pr.yml replayed step by step on a pull request whose author pushed outputs CI cannot reproduce.

The workflow file itself is executed: every ``run:`` step of the ``experiment`` job,
in order, with its ``env:`` and ``if:`` as GitHub evaluates them for this case,
secrets replaced by a test pull-request key and the repository variables by a
local DVC remote. Steps that ``uses:`` an action (checkout, setup-python,
upload-artifact, setup-cml) and the install step are what the runner provides;
the one ``cml`` line is not run (CML is not installable here; its invariants are
checked in test_workflows.py).
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


def _expand(value: Any, context: dict[str, str]) -> str:
    return EXPRESSION.sub(lambda m: context.get(m.group(1), ""), str(value))


def _condition_holds(condition: str, failed: bool, outcomes: dict[str, str]) -> bool:
    """The two forms pr.yml uses: ``always() && steps.X.outcome == 'success'``, or none (success so far)."""
    if not condition:
        return not failed
    if "always()" not in condition and failed:
        return False
    for step_id in re.findall(r"steps\.([\w-]+)\.outcome == 'success'", condition):
        if outcomes.get(step_id, "success") != "success":  # an action step not replayed counts as succeeded
            return False
    return True


def replay(workflow: dict[str, Any], job: str, repo: Path, context: dict[str, str], env: dict[str, str]) -> list[str]:
    """Run the job's ``run:`` steps as the runner would; returns a log line per step."""
    failed, outcomes, log = False, {}, []
    for step in workflow["jobs"][job]["steps"]:
        name = step.get("name") or step.get("uses", "")
        if "uses" in step or name.startswith("Install"):
            log.append(f"provided by the runner: {name}")
            continue
        if not _condition_holds(str(step.get("if", "")), failed, outcomes):
            log.append(f"skipped: {name}")
            continue
        step_env = {**env, **{k: _expand(v, context) for k, v in (workflow.get("env") or {}).items()}}
        step_env.update({k: _expand(v, context) for k, v in (step.get("env") or {}).items()})
        script = "\n".join(line for line in step["run"].splitlines() if not line.strip().startswith("cml "))
        done = subprocess.run(["bash", "-e", "-c", script], cwd=repo, env=step_env, capture_output=True, text=True)
        outcome = "success" if done.returncode == 0 else "failure"
        outcomes[step.get("id", name)] = outcome
        if outcome == "failure" and not step.get("continue-on-error"):
            failed = True
        log.append(f"{outcome}: {name}\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return log


def test_pr_workflow_recomputes_and_signs_with_the_pr_key_and_names_what_it_did_not_reproduce(
    pipeline_copy: Path, tmp_path: Path
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
    }
    runner = tmp_path / "runner"
    runner.mkdir()
    summary = runner / "step-summary.md"
    env = offline_env(CI="true", GITHUB_ACTIONS="true", RUNNER_TEMP=str(runner), GITHUB_STEP_SUMMARY=str(summary))
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
    assert "Not reproduced" in summary.read_text() and "Metrics vs main" in summary.read_text()
    comment = (repo / "comment.md").read_text()
    assert "### Reproduction by CI" in comment and "`reports/metrics.json`" in comment
    assert "github.invalid/owner/repo/actions/runs/1/artifacts/2" in comment

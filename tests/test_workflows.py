"""The GitHub workflows and the Dockerfile, checked offline: schema, hadolint, and the invariants that matter."""

from __future__ import annotations

import copy
import os
import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import REPO_ROOT, VENV_BIN
from workflow_rules import signing_key_scope, violations

WORKFLOWS = REPO_ROOT / ".github" / "workflows"
DOCKERFILE = REPO_ROOT / "Dockerfile"


def load(name: str) -> dict[str, Any]:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    return workflow.get("on") or workflow[True]  # YAML 1.1 reads the bare key `on` as True


def scripts(workflow: dict[str, Any]) -> str:
    return "\n".join(str(s.get("run", "")) for job in workflow["jobs"].values() for s in job["steps"])


def uses(workflow: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["uses"].split("@")[0]: s for job in workflow["jobs"].values() for s in job["steps"] if "uses" in s}


def command_at(run: str, command: str) -> int:
    """Offset of the first line that runs ``command`` (not a mention inside a message)."""
    match = re.search(rf"(?m)^\s*{re.escape(command)}\b", run)
    assert match, f"no line runs {command!r}"
    return match.start()


def check_jsonschema(*paths: Path) -> subprocess.CompletedProcess:
    command = [str(VENV_BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *map(str, paths)]
    return subprocess.run(command, capture_output=True, text=True)


def hadolint(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(VENV_BIN / "hadolint"), str(path)], capture_output=True, text=True)


# -- schema --------------------------------------------------------------------------------------


def test_every_workflow_matches_the_github_workflow_schema():
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert {f.name for f in files} >= {"pr.yml", "main.yml", "checks.yml"}
    result = check_jsonschema(*files)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "breakage",
    [
        lambda wf: wf["jobs"]["experiment"].pop("runs-on"),
        lambda wf: wf["jobs"]["experiment"]["steps"][0].update({"uses": "actions/checkout@v4", "run": "echo both"}),
        lambda wf: wf.update({"concurrency": {"cancel-in-progress": "sometimes"}}),
        lambda wf: wf["jobs"]["experiment"].update({"timeout-minutes": "ninety"}),
    ],
    ids=["no-runs-on", "uses-and-run", "bad-concurrency", "bad-timeout"],
)
def test_a_broken_workflow_is_rejected_by_the_schema(tmp_path: Path, breakage):
    workflow = load("pr.yml")
    breakage(workflow)
    broken = tmp_path / "broken.yml"
    broken.write_text(yaml.safe_dump(workflow, sort_keys=False).replace("true:", "on:", 1))
    result = check_jsonschema(broken)
    assert result.returncode != 0 and "broken.yml" in result.stdout


# -- invariants ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["pr.yml", "main.yml", "checks.yml"])
def test_workflows_keep_the_invariants(name: str):
    assert violations(load(name)) == []


def _pr_step(workflow: dict[str, Any], pattern: str) -> dict[str, Any]:
    return next(s for s in workflow["jobs"]["experiment"]["steps"] if re.search(pattern, str(s.get("run", ""))))


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        (lambda wf: _pr_step(wf, "vigil pr-comment").update(run="cml comment create --target pr c.md"), "--no-publish"),
        (lambda wf: _pr_step(wf, "vigil pr-comment").update(run="cml publish plot.png --md"), "third-party"),
        (lambda wf: _pr_step(wf, "vigil gate").update(run="echo skipped"), "before (or without)"),
        (
            lambda wf: _pr_step(wf, "dvc repro").update(run='echo "${{ github.event.pull_request.title }}"'),
            "untrusted context",
        ),
        (lambda wf: _pr_step(wf, "dvc repro").update(run="echo ${{ secrets.KEY }}"), "secret interpolated"),
        (lambda wf: _pr_step(wf, "dvc repro").update(run='echo "$VIGIL_SIGNING_KEY"'), "prints secret"),
        (lambda wf: _pr_step(wf, "dvc repro").update(run="set -x\ndvc repro"), "set -x"),
        (lambda wf: wf.pop("permissions"), "permissions"),
        (lambda wf: wf["env"].pop("TORCH_INDEX"), "without TORCH_INDEX"),
        (lambda wf: _pr_step(wf, "dvc repro").update(run="pip install torch==2.13.0"), "without -c requirements.lock"),
        (lambda wf: wf["jobs"]["experiment"]["steps"][0].update(uses="actions/checkout@main"), "not pinned"),
    ],
    ids=[
        "cml-publishes",
        "cml-publish",
        "no-gate",
        "injection",
        "secret-in-run",
        "secret-echoed",
        "set-x",
        "perms",
        "cuda-torch",
        "unlocked-pip",
        "moving-action",
    ],
)
def test_a_workflow_breaking_an_invariant_is_rejected(breakage, expected: str):
    workflow = copy.deepcopy(load("pr.yml"))
    breakage(workflow)
    found = violations(workflow)
    assert any(expected in problem for problem in found), found


def test_pr_workflow_recomputes_compares_gates_diffs_and_comments():
    workflow = load("pr.yml")
    assert "pull_request" in triggers(workflow)
    assert "github.event.pull_request.number" in workflow["concurrency"]["group"]
    assert workflow["concurrency"]["cancel-in-progress"] is True
    checkout = uses(workflow)["actions/checkout"]["with"]
    assert checkout["fetch-depth"] == 0 and checkout["ref"] == "${{ github.event.pull_request.head.sha }}"
    assert uses(workflow)["actions/setup-python"]["with"]["cache"] == "pip"
    run = scripts(workflow)
    order = [
        "make venv",
        "dvc pull",
        'cp dvc.lock "$RUNNER_TEMP/author.dvc.lock',
        "dvc repro --force --no-run-cache",
        'vigil lock diff "$RUNNER_TEMP/author.dvc.lock',
        "vigil gate",
        "vigil base-diff --base",
        "dvc plots diff",
        "vigil pr-comment",
    ]
    positions = [command_at(run, command) for command in order]
    assert positions == sorted(positions)
    artifact = uses(workflow)["actions/upload-artifact"]["with"]
    assert {"reports/compliance/", "plots-diff/", "reproduction.md", "base.json"} <= set(artifact["path"].split())
    assert artifact["retention-days"] <= 90  # GitHub's cap on most plans: never promise more
    assert not any("cml" in name for name in uses(workflow))  # our own poster pages through every comment
    comment = _pr_step(workflow, "vigil pr-comment")
    assert comment["if"].startswith("always()")  # reviewers see the verdict even when the gate fails the job
    assert "--insert base.md" in comment["run"] and "--append reproduction.md" in comment["run"]
    assert '--post --pr "$PR_NUMBER"' in comment["run"] and "github.event.pull_request.number" in str(comment["env"])
    compare = _pr_step(workflow, "vigil lock diff")
    assert compare.get("continue-on-error") is True and "env" not in compare
    assert "steps.evidence.outputs.artifact-url" in comment["env"]["EVIDENCE_URL"]
    # A fork (no secrets, read-only token) skips the remote, signs with a development key and explains itself.
    fork_only = [s for s in workflow["jobs"]["experiment"]["steps"] if "fork == 'true'" in str(s.get("if", ""))]
    assert len(fork_only) == 1 and "GITHUB_STEP_SUMMARY" in fork_only[0]["run"]
    assert all("fork == 'false'" in str(_pr_step(workflow, p).get("if")) for p in ("dvc pull", "dvc remote add"))
    assert "VIGIL_DEV_KEYS=create" in _pr_step(workflow, "dvc repro")["run"]


def test_main_workflow_computes_then_signs_in_a_protected_job_and_releases():
    workflow = load("main.yml")
    assert triggers(workflow)["push"]["branches"] == ["main"] and triggers(workflow)["push"]["tags"]
    compute, release = workflow["jobs"]["compute"], workflow["jobs"]["release"]
    assert release["needs"] == "compute" and release["environment"] == "release"
    assert "environment" not in compute and "permissions" not in compute  # read-only token from the top level
    computed = "\n".join(str(s.get("run", "")) for s in compute["steps"])
    assert command_at(computed, "dvc repro --force --no-run-cache") < command_at(computed, "vigil lock diff")
    assert command_at(computed, "vigil lock diff") < command_at(computed, "dvc push")
    signing = "\n".join(str(s.get("run", "")) for s in release["steps"])
    for first, then in [
        ("dvc pull", "vigil lock check"),
        ("vigil lock check", "dvc repro --force --single-item report"),
        ("dvc repro --force --single-item report", "vigil verify reports/compliance --role release"),
        ("vigil verify", "dvc push"),
        ("dvc push", 'git push origin "HEAD:refs/heads/evidence/$TAG'),
    ]:
        assert command_at(signing, first) < command_at(signing, then), (first, then)
    steps = uses(workflow)
    build = steps["docker/build-push-action"]["with"]
    assert build["push"] is True and build["file"] == "Dockerfile"
    assert "GIT_SHA=${{ github.sha }}" in build["build-args"] and "MANIFEST_DIGEST=" in build["build-args"]
    meta = steps["docker/metadata-action"]["with"]
    assert "type=sha" in meta["tags"] and "type=semver" in meta["tags"] and "manifest.digest" in meta["labels"]
    # Registry names are lower case; an owner like "Acme-Corp" is not. The step that names the image is run.
    release_steps = workflow["jobs"]["release"]["steps"]
    naming = next(i for i, s in enumerate(release_steps) if "IMAGE=" in str(s.get("run", "")))
    env_file = Path(tempfile.mkdtemp()) / "github-env"
    subprocess.run(
        ["bash", "-e", "-c", release_steps[naming]["run"]],
        env={
            "GITHUB_REPOSITORY": "Acme-Corp/Vigil",
            "GITHUB_ENV": str(env_file),
            "GITHUB_OUTPUT": str(env_file.with_suffix(".out")),
            "PATH": os.environ["PATH"],
        },
        check=True,
    )
    assert env_file.read_text() == "IMAGE=ghcr.io/acme-corp/vigil\n"
    assert env_file.with_suffix(".out").read_text() == "name=ghcr.io/acme-corp/vigil\n"
    assert "IMAGE" not in (workflow.get("env") or {})
    assert all(naming < i for i, s in enumerate(release_steps) if "env.IMAGE" in str(s) or "$IMAGE" in str(s))
    assert steps["anchore/sbom-action"]["with"]["format"] == "cyclonedx-json"
    attested = steps["actions/attest-build-provenance"]["with"]["subject-path"]
    for name in ("compliance.pdf", "manifest.json", "manifest.sig", "signer.pem"):
        assert f"reports/compliance/{name}" in attested
    assert release["permissions"]["id-token"] == "write" and release["permissions"]["attestations"] == "write"
    assert steps["actions/upload-artifact"]["with"]["retention-days"] <= 90  # GitHub caps artifact retention at 90
    published = next(s for s in release["steps"] if "gh release create" in str(s.get("run", "")))
    assert published["if"] == "startsWith(github.ref, 'refs/tags/v')"
    for asset in ("compliance.pdf", "manifest.json", "manifest.sig", "sbom.cdx.json"):
        assert asset in published["run"]
    assert "--role release" in published["run"] and "gh attestation verify" in published["run"]
    assert workflow["concurrency"]["cancel-in-progress"] is False
    # GitOps: main's image is proposed for staging by digest, in a pull request (never pushed to main)
    promote = workflow["jobs"]["promote"]
    assert promote["needs"] == "release" and promote["if"] == "github.ref == 'refs/heads/main'"
    assert promote["permissions"] == {"contents": "write", "pull-requests": "write"}
    assert release["outputs"]["digest"] == "${{ steps.build.outputs.digest }}"
    opened = promote["steps"][-1]
    assert "vigil deploy promote --overlay staging" in opened["run"] and "--pull-request" in opened["run"]
    assert opened["env"]["DIGEST"] == "${{ needs.release.outputs.digest }}"
    docs = workflow["jobs"]["docs"]
    assert "mkdocs build --strict" in str(docs["steps"]) and docs["permissions"]["pages"] == "write"
    assert [s.get("uses", "").split("@")[0] for s in docs["steps"]][-2:] == [
        "actions/upload-pages-artifact",
        "actions/deploy-pages",
    ]


def _all_workflows() -> dict[str, dict[str, Any]]:
    return {path.name: load(path.name) for path in sorted(WORKFLOWS.glob("*.yml"))}


def test_the_release_key_is_read_only_by_the_protected_job_that_runs_no_pipeline_code():
    workflows = _all_workflows()
    assert signing_key_scope(workflows) == []
    text = {name: yaml.safe_dump(workflow) for name, workflow in workflows.items()}
    assert "VIGIL_RELEASE_SIGNING_KEY" in text["main.yml"] and "VIGIL_PR_SIGNING_KEY" in text["pr.yml"]
    assert not any(re.search(r"secrets\.VIGIL_SIGNING", t) for t in text.values())  # the old shared secret is gone


def _signing_step(workflows: dict[str, Any]) -> dict[str, Any]:
    return next(s for s in workflows["main.yml"]["jobs"]["release"]["steps"] if "VIGIL_RELEASE" in str(s))


def _compute_repro(workflows: dict[str, Any]) -> dict[str, Any]:
    return next(s for s in workflows["main.yml"]["jobs"]["compute"]["steps"] if "--no-run-cache" in str(s))


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        (lambda wf: _compute_repro(wf).update(env=_signing_step(wf)["env"]), "outside a protected environment"),
        (lambda wf: wf["main.yml"]["jobs"]["release"].pop("environment"), "outside a protected environment"),
        (lambda wf: _signing_step(wf).update(run="dvc repro"), "runs pipeline code"),
        (lambda wf: wf["main.yml"]["on"].update(pull_request={}), "pull requests can trigger"),
        (lambda wf: _pr_step(wf["pr.yml"], "--no-run-cache").update(env=_signing_step(wf)["env"]), "can trigger"),
        (
            lambda wf: _compute_repro(wf).update(env=_pr_step(wf["pr.yml"], "--no-run-cache")["env"]),
            "belongs to pr.yml only",
        ),
    ],
    ids=["key-in-compute", "no-environment", "key-job-runs-pipeline", "main-on-pr", "key-in-pr", "pr-key-in-main"],
)
def test_a_workflow_leaking_a_signing_key_is_rejected(breakage, expected: str):
    workflows = copy.deepcopy(_all_workflows())
    for workflow in workflows.values():
        if True in workflow:
            workflow["on"] = workflow.pop(True)
    breakage(workflows)
    found = signing_key_scope(workflows)
    assert any(expected in problem for problem in found), found


def test_checks_workflow_runs_tests_with_coverage_and_the_linters():
    run = scripts(load("checks.yml"))
    assert re.search(r"--cov-fail-under[= ]80", run)
    for tool in ("ruff check", "mypy", "bandit", "pip-audit", "hadolint"):
        assert tool in run, tool
    assert re.search(r"bandit .*(-lll|--severity-level high)", run)


# -- Dockerfile ----------------------------------------------------------------------------------


def test_dockerfile_passes_hadolint():
    result = hadolint(DOCKERFILE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_careless_dockerfile_is_rejected_by_hadolint(tmp_path: Path):
    careless = tmp_path / "Dockerfile"
    careless.write_text("FROM python:latest\nRUN apt-get update && apt-get install -y curl\nRUN pip install x\n")
    result = hadolint(careless)
    assert result.returncode != 0 and "DL3007" in result.stdout  # `latest` tag, among others


def _stages(text: str) -> list[str]:
    return re.split(r"(?m)^FROM ", text)[1:]


def test_dockerfile_is_multi_stage_non_root_with_a_healthcheck():
    text = DOCKERFILE.read_text()
    stages = _stages(text)
    assert len(stages) >= 2 and all(stage.startswith("${BASE}") for stage in stages)
    assert re.search(r"(?m)^ARG BASE=python:3\.11-slim$", text) and re.search(r"(?m)^ARG VERSION=", text)
    final = stages[-1]
    user = re.findall(r"(?m)^USER (\S+)", final)
    assert user and user[-1].split(":")[0] not in {"root", "0"}
    assert re.search(r"(?m)^HEALTHCHECK .*\n?.*127\.0\.0\.1:8000/health", final)
    assert "pip install" not in final and not re.search(r"apt-get install|build-essential|gcc", final)
    assert re.search(r'ENTRYPOINT \["vigil", "serve"', final)
    copied = re.findall(r"(?m)^COPY (?!--from)(.+)$", final)
    sources = {part for line in copied for part in line.split()[:-1]}
    assert sources == {
        "params.yaml",
        "models/model/",
        "models/name_model/",  # the scrubber of `serve.log_text: scrubbed`
        "reports/compliance/manifest.json",
        "reports/compliance/manifest.sig",
        "reports/compliance/signer.pem",
        "policies/trust/",  # the anchors the manifest's signer is judged against at start-up
    }
    assert "io.vigil.manifest.digest" in final and "org.opencontainers.image.revision" in final


def test_build_context_keeps_data_keys_and_venv_out(tmp_path: Path):
    from docker.utils.build import exclude_paths

    tree = [
        "Dockerfile",
        "pyproject.toml",
        "README.md",
        "requirements.lock",
        "requirements/serve.txt",
        "params.yaml",
        "src/vigil/serving/app.py",
        "src/vigil/__pycache__/cli.cpython-311.pyc",
        "models/model/model.json",
        "models/model/pipeline.joblib",
        "reports/compliance/manifest.json",
        "reports/compliance/manifest.sig",
        "reports/compliance/signer.pem",
        "policies/trust/signers.yaml",
        "policies/release.yaml",
        "reports/compliance/compliance.pdf",
        "reports/predictions.parquet",
        "data/raw/notes.csv",
        "data/interim/scrubbed.parquet",
        "data/processed/train.parquet",
        "data/monitoring/predictions-1.jsonl",
        ".vigil/dev-signing-key.pem",
        ".venv/bin/python",
        ".dvc/cache/files/md5/ab/cdef",
        ".git/config",
        "tests/test_serving.py",
    ]
    for name in tree:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    patterns = [line.strip() for line in (REPO_ROOT / ".dockerignore").read_text().splitlines()]
    included = {p.replace("\\", "/") for p in exclude_paths(str(tmp_path), [p for p in patterns if p and p[0] != "#"])}
    files = {p for p in included if (tmp_path / p).is_file()}
    assert files == {
        "Dockerfile",
        "pyproject.toml",
        "README.md",
        "requirements.lock",
        "requirements/serve.txt",
        "params.yaml",
        "src/vigil/serving/app.py",
        "models/model/model.json",
        "models/model/pipeline.joblib",
        "reports/compliance/manifest.json",
        "reports/compliance/manifest.sig",
        "reports/compliance/signer.pem",
        "policies/trust/signers.yaml",
    }


def _installed_check():
    import importlib.util

    spec = importlib.util.spec_from_file_location("installed_matches_lock", REPO_ROOT / ".ci/installed_matches_lock.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_an_install_that_resolved_anything_unpinned_fails_make_venv():
    """What PyPI's CUDA torch does on a runner: nvidia/triton wheels the lock never pinned are named."""
    check = _installed_check()
    pins = check.pinned("# header\nTorch==2.13.0\nnumpy==2.3.1\nruamel.yaml==0.19.1 ; python_version >= '3.9'\n")
    assert pins == {"torch": "2.13.0", "numpy": "2.3.1", "ruamel-yaml": "0.19.1"}
    clean = [("torch", "2.13.0+cpu", False), ("NumPy", "2.3.1", False), ("ruamel_yaml", "0.19.1", False)]
    project = [("vigil", "0.1.0", True), ("vigil", "0.1.0", False), ("pip", "25", False)]  # editable, seen twice
    assert check.problems([*clean, *project], pins) == []
    cuda = [("torch", "2.13.0", False), ("nvidia-cublas-cu12", "12.8.4.1", False), ("triton", "3.5.0", False)]
    found = check.problems([*cuda, ("numpy", "2.3.2", False)], pins)
    assert found == [
        "numpy==2.3.2 is installed but requirements.lock pins 2.3.1",
        "nvidia-cublas-cu12==12.8.4.1 is installed but not pinned in requirements.lock",
        "triton==3.5.0 is installed but not pinned in requirements.lock",
    ]
    # make venv runs the check on every install, with the lock as constraints and CPU torch when TORCH_INDEX is set.
    makefile = (REPO_ROOT / "Makefile").read_text()
    assert "$(BIN)/python .ci/installed_matches_lock.py requirements.lock" in makefile
    assert '--index-url "$(TORCH_INDEX)"' in makefile and '"torch==$$torch+cpu"' in makefile
    venv = subprocess.run([str(VENV_BIN / "python"), str(REPO_ROOT / ".ci/installed_matches_lock.py")], cwd=REPO_ROOT)
    assert venv.returncode == 0  # this very environment


@pytest.mark.parametrize(("head_repo", "fork"), [("owner/repo", "false"), ("someone/repo", "true")])
def test_a_fork_is_told_apart_and_its_run_explains_what_it_could_not_do(tmp_path: Path, head_repo: str, fork: str):
    steps = load("pr.yml")["jobs"]["experiment"]["steps"]
    origin = next(s for s in steps if s.get("id") == "origin")
    outputs, summary = tmp_path / "out", tmp_path / "summary.md"
    env = {"PATH": os.environ["PATH"], "GITHUB_OUTPUT": str(outputs), "GITHUB_STEP_SUMMARY": str(summary)}
    subprocess.run(
        ["bash", "-e", "-c", origin["run"]],
        env={**env, "HEAD_REPO": head_repo, "GITHUB_REPOSITORY": "owner/repo"},
        check=True,
    )
    assert outputs.read_text() == f"fork={fork}\n"
    explain = next(s for s in steps if "fork == 'true'" in str(s.get("if", "")))
    subprocess.run(["bash", "-e", "-c", explain["run"]], env=env, check=True)
    assert "no secrets" in summary.read_text() and "pushing the" in summary.read_text()

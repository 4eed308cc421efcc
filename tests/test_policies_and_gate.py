"""Policy files and the gate: validation errors name file and rule; missing metrics fail; CLI exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from conftest import REPO_ROOT, run
from vigil.compliance.evidence_inputs import REPORT_FILES
from vigil.compliance.gate import evaluate, policy_report
from vigil.compliance.policies import load_policies
from vigil.errors import VigilError

RULE = {
    "id": "PERF-900",
    "title": "Macro-F1 at least 0.8",
    "metric": "metrics.f1_macro",
    "op": ">=",
    "threshold": 0.8,
    "severity": "blocking",
    "references": ["EU AI Act Art. 15(1)"],
}


def _write_policy(folder: Path, rules: list[dict], name: str = "perf") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump({"policy": name, "title": name.title(), "rules": rules}, sort_keys=False))
    return path


def test_committed_policies_validate_and_cover_the_six_areas():
    policies = load_policies(REPO_ROOT / "policies")
    assert set(policies.titles) == {"data", "privacy", "performance", "fairness", "robustness", "documentation"}
    assert len({r.id for r in policies.rules}) == len(policies.rules) >= 16
    assert all(r.references for r in policies.rules)
    assert {r.severity for r in policies.rules} == {"blocking", "warning"}
    regulations = " ".join(ref for r in policies.rules for ref in r.references)
    for regulation in ("GDPR", "LGPD", "EU AI Act"):
        assert regulation in regulations


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"op": ">>"}, "rule 'PERF-900' (#1), field 'op'"),
        ({"severity": "fatal"}, "field 'severity'"),
        ({"threshold": "high"}, "op '>=' needs a number"),
        ({"references": []}, "field 'references'"),
        ({"id": "perf-1"}, "field 'id'"),
        ({"unexpected": 1}, "Additional properties"),
    ],
)
def test_bad_policy_file_names_file_rule_and_field(tmp_path: Path, change: dict, expected: str):
    path = _write_policy(tmp_path / "policies", [{**RULE, **change}])
    with pytest.raises(VigilError) as error:
        load_policies(tmp_path / "policies")
    assert str(path) in str(error.value) and expected in str(error.value)


def test_missing_field_and_duplicate_ids_are_errors(tmp_path: Path):
    rule = {k: v for k, v in RULE.items() if k != "metric"}
    _write_policy(tmp_path / "a", [rule])
    with pytest.raises(VigilError, match=r"perf.yaml, rule 'PERF-900' \(#1\): 'metric' is a required property"):
        load_policies(tmp_path / "a")
    _write_policy(tmp_path / "b", [RULE], "one")
    _write_policy(tmp_path / "b", [RULE], "two")
    with pytest.raises(VigilError, match="id already defined"):
        load_policies(tmp_path / "b")
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "x.yaml").write_text("rules: [unclosed")
    with pytest.raises(VigilError, match="x.yaml: not valid YAML"):
        load_policies(tmp_path / "c")


def test_missing_or_null_metric_fails_and_blocks(tmp_path: Path):
    rules = [
        RULE,
        {**RULE, "id": "PERF-901", "metric": "metrics.does_not_exist"},
        {**RULE, "id": "PERF-902", "metric": "fairness.summary.max_gap", "severity": "warning"},
        {**RULE, "id": "PERF-903", "metric": "metrics.roc_auc_ovr"},
        {**RULE, "id": "PERF-904", "metric": "metrics.per_class", "op": "==", "threshold": True},
        {**RULE, "id": "PERF-905", "metric": "privacy.vault", "op": "==", "threshold": "none"},
    ]
    _write_policy(tmp_path, rules)
    reports = {"metrics": {"f1_macro": 0.9, "roc_auc_ovr": None, "per_class": {}}, "privacy": {"vault": "none"}}
    outcomes = {o.rule.id: o for o in evaluate(load_policies(tmp_path), reports)}
    assert outcomes["PERF-900"].passed
    assert outcomes["PERF-901"].status == "missing" and outcomes["PERF-901"].detail == "metric not in the report"
    assert outcomes["PERF-902"].detail == "report 'fairness' is absent"
    assert outcomes["PERF-903"].status == "missing" and outcomes["PERF-903"].detail == "metric is null"
    assert outcomes["PERF-904"].status == "fail"  # a section is not a value
    assert outcomes["PERF-905"].passed  # string equality
    report = policy_report(load_policies(tmp_path), list(outcomes.values()))
    assert report["verdict"] == "fail"
    assert report["blocking_failures"] == ["PERF-901", "PERF-903", "PERF-904"]
    assert report["warnings"] == ["PERF-902"]


def test_a_metric_declared_not_assessable_is_neither_pass_nor_fail_and_blocks_only_if_the_rule_says(
    tmp_path: Path,
):
    rules = [
        {**RULE, "id": "FAIR-901", "metric": "fairness.summary.max_accuracy_gap_ci_low", "op": "<=", "threshold": 0.05},
        {**RULE, "id": "FAIR-902", "metric": "fairness.summary.max_f1_macro_gap_ci_low", "op": "<=",
         "threshold": 0.05, "when_not_assessable": "warn"},
        {**RULE, "id": "FAIR-903", "metric": "fairness.summary.max_recall_gap_ci_low", "op": "<=", "threshold": 0.1},
    ]  # fmt: skip
    _write_policy(tmp_path, rules)
    reason = "insufficient data: no grouping has two groups with at least 30 test records (asset: a 13, b 6)"
    summary = {
        "max_accuracy_gap_ci_low": None,
        "max_f1_macro_gap_ci_low": None,
        "max_recall_gap_ci_low": None,  # null without a stated reason: still missing
        "not_assessable": {"max_accuracy_gap_ci_low": reason, "max_f1_macro_gap_ci_low": reason},
    }
    outcomes = {o.rule.id: o for o in evaluate(load_policies(tmp_path), {"fairness": {"summary": summary}})}
    assert outcomes["FAIR-901"].status == outcomes["FAIR-902"].status == "not_assessable"
    assert outcomes["FAIR-901"].detail == reason and not outcomes["FAIR-902"].passed
    assert outcomes["FAIR-903"].status == "missing"
    report = policy_report(load_policies(tmp_path), list(outcomes.values()))
    assert report["blocking_failures"] == ["FAIR-901", "FAIR-903"] and report["warnings"] == ["FAIR-902"]
    assert report["counts"]["not_assessable"] == 2 and report["verdict"] == "fail"
    with pytest.raises(VigilError, match="when_not_assessable"):
        _write_policy(tmp_path, [{**RULE, "when_not_assessable": "ignore"}])
        load_policies(tmp_path)


def test_bool_is_not_a_number_and_equality_is_typed(tmp_path: Path):
    _write_policy(
        tmp_path,
        [
            {**RULE, "metric": "x.flag"},
            {**RULE, "id": "PERF-901", "metric": "x.count", "op": "==", "threshold": True},
            {**RULE, "id": "PERF-902", "metric": "x.count", "op": "==", "threshold": 1},
        ],
    )
    outcomes = evaluate(load_policies(tmp_path), {"x": {"flag": True, "count": 1}})
    assert [o.status for o in outcomes] == ["fail", "fail", "pass"]


def _gate_repo(tmp_path: Path) -> Path:
    """A folder with the committed reports, params.yaml and policies (the gate's inputs)."""
    repo = tmp_path / "repo"
    for relative in [*REPORT_FILES.values(), "reports/data_dictionary.md", "params.yaml"]:
        (repo / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / relative, repo / relative)
    shutil.copytree(REPO_ROOT / "policies", repo / "policies")
    return repo


def test_gate_cli_passes_on_the_committed_reports_and_fails_on_a_blocking_rule(tmp_path: Path):
    repo = _gate_repo(tmp_path)
    ok = run(["vigil", "gate", "--repo", str(repo)], tmp_path)
    assert "verdict: PASS" in ok.stdout and "PERF-001" in ok.stdout
    first = (repo / "reports/policy.json").read_bytes()
    run(["vigil", "gate", "--repo", str(repo)], tmp_path)
    assert (repo / "reports/policy.json").read_bytes() == first  # deterministic: the stage and the CLI agree

    metrics = json.loads((repo / "reports/metrics.json").read_text())
    metrics["f1_macro"] = 0.5
    (repo / "reports/metrics.json").write_text(json.dumps(metrics))
    failed = run(["vigil", "gate", "--repo", str(repo)], tmp_path, check=False)
    assert failed.returncode == 1
    assert "PERF-001  FAIL" in failed.stdout and "verdict: FAIL" in failed.stdout
    assert json.loads((repo / "reports/policy.json").read_text())["blocking_failures"] == ["PERF-001"]

    (repo / "reports/fairness.json").unlink()
    missing = run(["vigil", "gate", "--repo", str(repo), "--no-write"], tmp_path, check=False)
    assert missing.returncode == 1 and "FAIR-001  MISSING" in missing.stdout


def test_gate_cli_reports_a_bad_policy_file_in_one_line(tmp_path: Path):
    repo = _gate_repo(tmp_path)
    text = (repo / "policies/performance.yaml").read_text().replace('op: ">="', 'op: "=>"', 1)
    (repo / "policies/performance.yaml").write_text(text)
    result = run(["vigil", "gate", "--repo", str(repo)], tmp_path, check=False)
    assert result.returncode == 2
    assert "performance.yaml, rule 'PERF-001' (#1), field 'op'" in result.stderr
    assert "Traceback" not in result.stderr

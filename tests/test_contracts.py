"""Report contracts: every report is checked against its JSON Schema when written and when read."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from conftest import REPO_ROOT, run
from vigil.contracts import REPORT_NAMES, RULE_NAMESPACES, read_report, write_report
from vigil.contracts.metric_paths import END, START, render
from vigil.contracts.reports import report_schema
from vigil.errors import VigilError


@pytest.mark.parametrize("name", REPORT_NAMES)
def test_each_contract_is_a_valid_schema_that_the_pipelines_report_meets(name: str, evidence_repo: Path):
    Draft202012Validator.check_schema(report_schema(name))
    assert read_report(name, evidence_repo)  # the baseline run's report, produced by the current code


def test_a_renamed_key_stops_the_writer_with_one_line_and_writes_nothing(evidence_repo: Path, tmp_path: Path):
    metrics = json.loads((evidence_repo / "reports/metrics.json").read_text())
    metrics["f1_macro_avg"] = metrics.pop("f1_macro")
    with pytest.raises(VigilError) as error:
        write_report("metrics", metrics, tmp_path)
    message = str(error.value)
    assert message.startswith("reports/metrics.json: (top level): 'f1_macro' is a required property")
    assert "\n" not in message and "metrics.schema.json" in message
    assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").iterdir())


def test_a_wrong_type_deep_in_a_report_names_its_json_path(evidence_repo: Path, tmp_path: Path):
    fairness = json.loads((evidence_repo / "reports/fairness.json").read_text())
    fairness["region"]["accuracy"]["max_gap"] = "0.05"
    with pytest.raises(VigilError, match=r"reports/fairness.json: region\.accuracy\.max_gap: '0\.05' is not of type"):
        write_report("fairness", fairness, tmp_path)


def test_the_gate_refuses_a_report_that_breaks_its_contract_instead_of_printing_a_dash(
    evidence_repo: Path, tmp_path: Path
):
    repo = tmp_path / "repo"
    shutil.copytree(evidence_repo, repo, symlinks=True, ignore=shutil.ignore_patterns(".dvc", ".dvc-storage", ".git"))
    privacy = json.loads((repo / "reports/privacy.json").read_text())
    privacy["residual_findings"] = privacy.pop("residual_entities")
    (repo / "reports/privacy.json").write_text(json.dumps(privacy))
    result = run(["vigil", "gate", "--no-write"], repo, check=False)
    assert result.returncode == 2
    assert "vigil: error: reports/privacy.json: (top level): " in result.stderr
    assert "Additional properties are not allowed ('residual_findings' was unexpected)" in result.stderr or (
        "'residual_entities' is a required property" in result.stderr
    )


def test_policy_docs_list_exactly_the_metric_paths_the_contracts_declare():
    readme = (REPO_ROOT / "policies/README.md").read_text(encoding="utf-8")
    generated = readme.split(START, 1)[1].split(END, 1)[0].lstrip("\n")
    assert generated == render(), "policies/README.md is stale: run `python -m vigil.contracts.metric_paths --write`"


def _documented_patterns() -> list[re.Pattern[str]]:
    patterns = []
    for path in re.findall(r"^\| `([^`]+)` \|", render(), flags=re.MULTILINE):
        regex = re.escape(path)
        regex = re.sub(r"<[^>]+>", r"[^.]+", regex.replace(r"\<", "<").replace(r"\>", ">"))
        regex = re.sub(r"\\\{([^}]+)\\\}", lambda m: "(" + m.group(1).replace(",", "|") + ")", regex)
        patterns.append(re.compile(regex + r"(\..+)?$"))
    return patterns


def test_every_policy_rule_reads_a_declared_metric_path():
    patterns = _documented_patterns()
    undeclared = []
    for file in sorted((REPO_ROOT / "policies").glob("*.yaml")):
        for rule in yaml.safe_load(file.read_text())["rules"]:
            metric = rule["metric"]
            namespace = metric.split(".", 1)[0]
            if namespace == "documentation":  # computed by the report stage, documented by hand
                continue
            assert namespace in RULE_NAMESPACES, f"{file.name} {rule['id']}: unknown report {namespace!r}"
            if not any(pattern.match(metric) for pattern in patterns):
                undeclared.append(f"{file.name} {rule['id']}: {metric}")
    assert not undeclared, f"rules read paths no contract declares: {undeclared}"

"""A new user's first run on a real-shaped export: `vigil data init`, then `vigil exp run`, to a signed report.

The export (tests/messy_export.py) carries every pattern that broke or misled that run: no id column, a
quarter of its rows copies of other rows, `NA` / `N/A` / blank labels, a label with 4 records, columns named
`text` and `label` with notes shorter than the label values, a decoy category column, and an unquoted comma
in its first data row. Nothing is edited by hand but what the `# CHECK` lines ask a person to decide.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import make_pipeline_repo, run
from in_process import run_stages_here
from messy_export import RARE_LABEL, messy_export
from vigil.data.duplicate_groups import group_keys

pytestmark = pytest.mark.slow


def test_a_messy_export_runs_from_data_init_to_a_signed_report_without_leaking(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    text, planted = messy_export()
    repo = make_pipeline_repo(tmp_path, [])
    (repo / "data/external").mkdir(parents=True)
    (repo / "data/external/export.csv").write_text(text)
    init = run(["vigil", "data", "init", "data/external/export.csv", "--name", "export"], repo).stdout
    config = yaml.safe_load((repo / "params/data/export.yaml").read_text())
    assert config["columns"] == {"record_id": None, "text": "text", "label": "label", "created_at": "opened"}
    assert config["bad_rows"] == "quarantine" and config["critical_classes"] == []
    run(["git", "add", "-A"], repo)
    run(["git", "commit", "-qm", "the export, configured by vigil data init"], repo)
    command = init.strip().splitlines()[-1].split("run:", 1)[1].split()
    assert command == ["vigil", "exp", "run", "-S", "data=export"]
    # What that command runs, without DVC's per-stage processes (the own-data pipeline test runs the command
    # itself): params.yaml composed with the new configuration, then every stage in the graph's order.
    run(["vigil", "params", "compose", "data=export"], repo)
    run_stages_here(repo, monkeypatch, "the messy export")

    quality = json.loads((repo / "reports/data_quality.json").read_text())
    assert json.loads((repo / "reports/split.json").read_text())["label_issues"]["candidates"] is not None
    assert quality["source"]["record_id"].startswith("(derived")
    assert sum(quality["dropped"]["unlabelled"].values()) == planted["unlabelled"]
    assert quality["dropped"]["quarantined"] == [
        {"path": "data/external/export.csv", "row": planted["bad_row"], "line": planted["bad_row"] + 1, "fields": 5}
    ]
    assert "NA" not in quality["label_distribution"] and RARE_LABEL in quality["label_distribution"]
    assert quality["n_records"] == planted["rows"] - planted["unlabelled"] - 1

    # No validation or test note is a training note, by the split's own count and by this test's (the same
    # normalised key the split groups by, recomputed here from the written splits).
    split = json.loads((repo / "reports/split.json").read_text())
    assert split["leakage"]["test_records_in_train"] == 0 and split["leakage"]["val_records_in_train"] == 0
    assert split["duplicates"]["records_in_repeated_groups"] >= planted["copies"]
    parts = {name: pd.read_parquet(repo / f"data/processed/{name}.parquet") for name in ("train", "val", "test")}
    train_keys = set(group_keys(parts["train"]["text"]))
    for name in ("val", "test"):
        assert not set(group_keys(parts[name]["text"])) & train_keys, name

    rules = {r["id"]: r for r in json.loads((repo / "reports/policy.json").read_text())["rules"]}
    assert rules["DATA-001"]["status"] == "pass"
    assert (
        rules["PERF-003"]["status"] == "not_assessable" and "critical_classes is empty" in rules["PERF-003"]["detail"]
    )
    assert rules["DOC-005"]["status"] == "fail"  # the organisation facts are still the example's
    pdf = repo / "reports/compliance/compliance.pdf"
    assert subprocess.run(["pdfsig", str(pdf)], capture_output=True, text=True).returncode == 0
    reading = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout.split())
    assert f"{planted['unlabelled']} records without a label set aside" in reading
    assert f"row {planted['bad_row']} (line {planted['bad_row'] + 1})" in reading
    assert "no test or validation note is also a training note" in reading
    assert "record ids are derived from each note's digest and its occurrence" in reading

"""params/ from a composed params.yaml (the inverse of `vigil params compose`) and the 80-column experiment table."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from conftest import REPO_ROOT, run
from vigil.errors import VigilError
from vigil.experiments.absorb import apply_changes, plan_changes
from vigil.experiments.table import Row, changed_params, render, rows_from_exp_show
from vigil.params import compose


@pytest.fixture
def config_copy(tmp_path: Path) -> Path:
    shutil.copytree(REPO_ROOT / "params", tmp_path / "params")
    return tmp_path


OVERRIDE_SETS = [
    # a value in the chosen group's file
    ["model.params.C=0.5"],
    # a group choice plus a value of the primary config
    ["model=tfidf_svm", "train.decision=tuned"],
    # a value of the newly chosen group, a list, and nested primary-config values
    ["model=tfidf_svm", "model.params.C=3.0", "model.params.word_ngram_range=[1,3]", "split.ratios.train=0.6"],
    # every kind at once, including another group
    ["scrub=pseudonymize", "seed=7", "train.mitigation.method=reweigh", "audit.fairness.bootstrap.confidence=0.9"],
]


@pytest.mark.parametrize("overrides", OVERRIDE_SETS, ids=lambda o: ",".join(o))
def test_absorbed_config_composes_to_the_experiment_and_touches_only_those_lines(config_copy: Path, overrides):
    before = {p: p.read_text().splitlines() for p in (config_copy / "params").rglob("*.yaml")}
    target = yaml.safe_load(compose(config_copy, overrides))
    changes = plan_changes(config_copy, target)
    apply_changes(config_copy, changes, target)
    assert yaml.safe_load(compose(config_copy)) == target
    changed_lines = 0
    for path, lines in before.items():
        after = path.read_text().splitlines()
        assert len(after) == len(lines), path  # no reformatting, no line added or lost
        changed_lines += sum(a != b for a, b in zip(lines, after, strict=True))
        kept = [line.split("#", 1)[1] for line in lines if "#" in line]
        assert kept == [line.split("#", 1)[1] for line in after if "#" in line], path  # comments kept
    assert changed_lines == len(changes) <= len(overrides)


def test_nothing_to_absorb_when_params_compose_already(config_copy: Path):
    assert plan_changes(config_copy, yaml.safe_load(compose(config_copy))) == []


def test_a_key_new_in_the_experiment_is_refused_with_its_name_and_nothing_is_written(config_copy: Path):
    target = yaml.safe_load(compose(config_copy, ["+train.new_knob=3", "model.params.C=0.5"]))
    snapshot = {p: p.read_bytes() for p in (config_copy / "params").rglob("*.yaml")}
    changes = plan_changes(config_copy, target)
    with pytest.raises(VigilError, match=r"train\.new_knob.*add it by hand"):
        apply_changes(config_copy, changes, target)
    assert snapshot == {p: p.read_bytes() for p in (config_copy / "params").rglob("*.yaml")}


def test_cli_absorb_after_a_hand_edited_params_yaml(tmp_path: Path):
    """What `dvc exp apply` leaves (params.yaml changed, params/ not): absorb, then compose --check passes."""
    shutil.copytree(REPO_ROOT / "params", tmp_path / "params")
    (tmp_path / "params.yaml").write_text(compose(tmp_path, ["model.params.C=0.25"]))
    stale = run(["vigil", "params", "compose", "--check"], tmp_path, check=False)
    assert stale.returncode == 1 and "vigil params absorb" in stale.stderr and "exp propose" in stale.stderr
    absorbed = run(["vigil", "params", "absorb"], tmp_path)
    assert "params/model/tfidf_logreg.yaml: params.C: 10.0 -> 0.25" in absorbed.stdout
    assert run(["vigil", "params", "compose", "--check"], tmp_path).returncode == 0


def test_changed_params_names_groups_once_and_keys_briefly():
    base = {"model": {"family": "tfidf_logreg", "params": {"C": 10.0}}, "train": {"mitigation": {"method": "none"}}}
    swapped = {"model": {"family": "tfidf_svm", "params": {"C": 0.5}}, "train": {"mitigation": {"method": "reweigh"}}}
    assert changed_params(base, swapped) == "model=tfidf_svm, mitigation.method=reweigh"
    tuned = {**base, "model": {"family": "tfidf_logreg", "params": {"C": 0.5}}}
    assert changed_params(base, tuned) == "C=0.5"


def test_experiment_table_fits_80_columns_with_the_headline_metrics():
    metrics = {"accuracy": 0.91, "f1_macro": 0.9, "critical": {"f1_min": 0.8}, "ece": 0.05}
    params = {"model": {"family": "tfidf_logreg", "params": {"C": 10.0, "max_features": 150000}}}

    def data(p, m):
        return {"params": {"params.yaml": {"data": p}}, "metrics": {"reports/metrics.json": {"data": m}}}

    wide = {"model": {"family": "tfidf_logreg", "params": {"C": 0.001, "max_features": 99999999}}, "x" * 90: 1}
    payload = [
        {
            "rev": "workspace",
            "data": data(params, metrics),
            "experiments": [
                {"revs": [{"name": "a-very-long-experiment-name-indeed", "rev": "abc", "data": data(wide, metrics)}]}
            ],
        }
    ]
    broke = {"name": "broke", "rev": "d" * 40, "data": data(wide, metrics)}
    failed = {"executor": {"state": "failed"}, "revs": [broke]}
    payload[0]["experiments"].append(failed)
    rows = rows_from_exp_show(payload)
    assert [r.name for r in rows] == ["workspace", "a-very-long-experiment-name-indeed", "broke"]
    assert rows[2].changed.startswith("[failed] ") and rows[2].metrics == (None,) * 4  # not the baseline's numbers
    text = render(rows)
    assert all(len(line) <= 80 for line in text.splitlines()), text
    assert "0.9100" in text and "0.8000" in text and "…" in text
    assert render([Row("x", "-", (None, None, None, None))]).splitlines()[2].endswith("-")


def _workspace_state(repo: Path) -> dict[str, object]:
    """What a user sees: git's view (staged and unstaged), params.yaml, dvc.lock and DVC's verdict."""
    return {
        "git status": run(["git", "status", "--porcelain", "--untracked-files=all"], repo).stdout,
        "staged": run(["git", "diff", "--cached"], repo).stdout,
        "params.yaml": (repo / "params.yaml").read_bytes(),
        "dvc.lock": (repo / "dvc.lock").read_bytes(),
        "dvc status": run(["dvc", "status", "--quiet"], repo, check=False).returncode,
    }


def test_a_failed_experiment_leaves_the_workspace_and_the_staged_files_as_they_were(pipeline_copy: Path):
    """New data through ingest, then a failing stage: nothing of the half-run remains."""
    repo = pipeline_copy
    (repo / "params/data/mine.yaml").write_text("name: mine\n")  # staged by the user, as the own-data guide says
    run(["git", "add", "params/data/mine.yaml"], repo)
    before = _workspace_state(repo)
    raw = (repo / "data/interim/raw.parquet").read_bytes()
    # ingest runs on new data (its outputs and dvc.lock entry change), then scrub refuses: no pseudonym key.
    failed = run(
        ["vigil", "exp", "run", "-S", "data.synthetic.n_records=360", "-S", "scrub=pseudonymize"], repo, check=False
    )
    assert failed.returncode == 2
    assert "Running stage 'ingest'" in failed.stdout and "failed to reproduce 'scrub'" in failed.stdout
    assert failed.stderr.strip().splitlines() == [
        "vigil: error: dvc exp run failed at stage 'scrub', see its error above; the workspace is as it was before "
        "the run (params.yaml, dvc.lock, outputs and staged files restored)"
    ]
    assert _workspace_state(repo) == before and before["dvc status"] == 0
    assert (repo / "data/interim/raw.parquet").read_bytes() == raw
    assert not list((repo / ".dvc/tmp").glob("vigil-exp-run-*"))

"""`vigil reproduce`: does this machine reproduce the committed lock, and how far from it is it?"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest

from conftest import run
from vigil.io import write_json
from vigil.modeling.artifact import MODEL_CARD_FILE
from vigil.modeling.integrity import file_digests
from vigil.reproducibility import Verdict, compare_file, compare_model

pytestmark = pytest.mark.slow


def _outputs(result: dict) -> dict[str, dict]:
    return {output["path"]: output for stage in result["stages"] for output in stage["outputs"]}


def test_a_same_machine_rerun_is_identical_and_edited_commits_are_measured(pipeline_copy: Path, tmp_path: Path):
    repo = pipeline_copy
    same = run(["vigil", "reproduce", "train", "evaluate", "--json", str(tmp_path / "same.json")], repo)
    result = json.loads((tmp_path / "same.json").read_text())
    assert result["verdict"] == "identical", same.stdout
    assert [stage["stage"] for stage in result["stages"]] == ["train", "evaluate"]
    assert {"models/model/model.json", "reports/metrics.json", "reports/predictions.parquet"} <= set(_outputs(result))
    assert result["machine"]["blas_kernels"]

    # Commit outputs that the code does not produce: floating-point noise in the predictions, a real metric change.
    predictions = pd.read_parquet(repo / "reports/predictions.parquet")
    probability = next(column for column in predictions.columns if column.startswith("proba__"))
    predictions.loc[3, probability] += 3e-9
    predictions.to_parquet(repo / "reports/predictions.parquet", index=False)
    metrics = json.loads((repo / "reports/metrics.json").read_text())
    metrics["accuracy"] = round(metrics["accuracy"] + 0.05, 4)
    write_json(repo / "reports/metrics.json", metrics)
    run(["dvc", "commit", "--force", "evaluate"], repo)
    run(["git", "commit", "-qam", "outputs the code does not produce"], repo)

    edited = run(["vigil", "reproduce", "evaluate", "--json", str(tmp_path / "edited.json")], repo, check=False)
    assert edited.returncode == 1, edited.stdout + edited.stderr
    result = json.loads((tmp_path / "edited.json").read_text())
    outputs = _outputs(result)
    assert result["verdict"] == "different"
    assert outputs["reports/predictions.parquet"]["verdict"] == "equal within tolerance"
    assert outputs["reports/predictions.parquet"]["max_difference"] == pytest.approx(3e-9, rel=0.01)
    assert outputs["reports/metrics.json"]["verdict"] == "different"
    assert result["largest_metric_difference"] == pytest.approx(0.05, abs=1e-9)
    assert outputs["reports/confusion_matrix.json"]["verdict"] == "identical"
    assert "reports/metrics.json: different" in edited.stdout

    # The workspace is left as it was: outputs and lock untouched by the re-runs.
    assert "up to date" in run(["dvc", "status", "evaluate"], repo).stdout
    assert run(["git", "status", "--porcelain"], repo).stdout == ""


def test_editing_code_a_stage_imports_makes_dvc_see_the_stage_changed(pipeline_copy: Path):
    repo = pipeline_copy
    mitigation = repo / "src/vigil/audit/mitigation.py"
    mitigation.write_text(mitigation.read_text() + "\n# an edit to the reweighing code\n")
    status = run(["dvc", "status", "train"], repo).stdout
    assert "train:" in status and "src/vigil/audit/mitigation.py" in status


def _perturbed_copy(model_dir: Path, target: Path, change) -> Path:
    """A copy of a TF-IDF model directory whose classifier weights ``change`` rewrote, with a valid card."""
    shutil.copytree(model_dir, target)
    pipeline = joblib.load(target / "pipeline.joblib")
    change(pipeline.named_steps["classifier"])
    joblib.dump(pipeline, target / "pipeline.joblib", compress=3)
    card = json.loads((target / MODEL_CARD_FILE).read_text())
    card["files"] = file_digests(target, card["files"])
    write_json(target / MODEL_CARD_FILE, card)
    return target


def test_models_are_compared_by_their_predictions(evidence_repo: Path, tmp_path: Path):
    model = evidence_repo / "models/model"
    texts = pd.read_parquet(evidence_repo / "data/processed/test.parquet")["text"].tolist()

    def low_bits(classifier) -> None:
        classifier.coef_ = classifier.coef_ * (1 + 1e-12)

    def other_class_wins(classifier) -> None:
        classifier.intercept_ = classifier.intercept_ + np.where(np.arange(len(classifier.intercept_)) == 0, 50.0, 0.0)

    noise = compare_model("m", model, _perturbed_copy(model, tmp_path / "noise", low_bits), texts, 1e-6)
    assert noise.verdict is Verdict.WITHIN_TOLERANCE and 0 < noise.max_difference < 1e-9
    shifted = compare_model("m", model, _perturbed_copy(model, tmp_path / "shifted", other_class_wins), texts, 1e-6)
    assert shifted.verdict is Verdict.DIFFERENT and "change their predicted label" in shifted.detail


def test_files_without_a_numeric_reading_must_match_byte_for_byte(tmp_path: Path):
    a, b = tmp_path / "a.md", tmp_path / "b.md"
    a.write_text("# data dictionary\n")
    b.write_text("# data dictionary \n")
    assert compare_file("x.md", a, a, 1e-6).verdict is Verdict.IDENTICAL
    assert compare_file("x.md", a, b, 1e-6).verdict is Verdict.DIFFERENT
    left, right = tmp_path / "l.json", tmp_path / "r.json"
    left.write_text('{"f1": 0.9, "label": "brakes"}')
    right.write_text('{"f1": 0.9, "label": "engine"}')
    assert compare_file("x.json", left, right, 1.0).verdict is Verdict.DIFFERENT  # strings never get a tolerance
    assert compare_file("x.json", left, tmp_path / "absent.json", 1.0).verdict is Verdict.DIFFERENT

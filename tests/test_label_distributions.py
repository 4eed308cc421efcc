"""Every stage survives any label distribution: a property test over random, real-looking distributions.

Each case (tests/label_distributions.py) has one dominant class, classes of 1 and 2 records (dropped at ingest),
of 3 and 4 records (one or two training notes), and a class whose records are one repeated note (kept in train,
absent from validation and test); critical classes include a dropped one and one without a test record; half
the cases audit no group column, the other half use the SVM family. The stages run in this process, in the
order `dvc repro` runs them, on a copy of the pipeline (DVC's orchestration is tested elsewhere; here the
question is whether any stage raises), and the reports must say what could not be measured instead of a number.
"""

from __future__ import annotations

import json
import runpy
from pathlib import Path

import pytest
import yaml

from conftest import make_pipeline_repo
from label_distributions import random_distribution

pytestmark = pytest.mark.slow

STAGES = ("ingest", "scrub", "split", "train", "evaluate", "fairness", "explain", "robustness", "report")


@pytest.mark.parametrize("seed", [3, 6, 11])
def test_no_stage_raises_on_a_random_label_distribution(seed: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    frame = random_distribution(seed)
    counts = frame["label"].value_counts()
    dropped, one_note = counts.index[-1], None
    data = {
        "name": "skewed",
        "format": "csv",
        "source": "data/external/skewed.csv",
        "columns": {"record_id": "record_id", "text": "text", "label": "label", "created_at": "created_at"},
        "sensitive_features": ["region", "language"] if seed % 2 else {},
        "critical_classes": [dropped, counts.index[-4], counts.index[0]],
        "rare_labels": "drop",
    }
    overrides = ["data=skewed", "scrub.workers=1"] + (["model=tfidf_svm"] if seed % 3 == 0 else [])
    repo = make_pipeline_repo(
        tmp_path,
        overrides,
        {"params/data/skewed.yaml": yaml.safe_dump(data), "data/external/skewed.csv": frame.to_csv(index=False)},
    )
    monkeypatch.chdir(repo)
    for stage in STAGES:
        try:
            runpy.run_path(f"stages/{stage}.py", run_name="__main__")
        except SystemExit as exc:  # a VigilError: the stage refused the data in one line (printed above)
            pytest.fail(f"seed {seed}: stage {stage} refused a valid distribution (exit {exc.code})")

    reports = {name: json.loads(Path(f"reports/{name}.json").read_text()) for name in ("split", "metrics", "policy")}
    one_note = next(iter(reports["split"]["labels_missing"]["test"]), None)
    assert one_note is not None  # the repeated-note class never reached the test split ...
    assert reports["split"]["leakage"]["test_records_in_train"] == 0  # ... because it would have leaked
    critical = reports["metrics"]["critical"]
    assert critical["not_measured"][dropped].startswith("not a label of the model")
    if not data["sensitive_features"]:
        rule = next(r for r in reports["policy"]["rules"] if r["id"] == "FAIR-005")
        assert rule["status"] == "not_assessable" and "sensitive_features is empty" in rule["detail"]
    assert Path("reports/compliance/compliance.pdf").stat().st_size > 10_000

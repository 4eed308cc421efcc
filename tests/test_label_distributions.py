"""Every stage survives any label distribution: a property test over random, real-looking distributions.

Each case (tests/label_distributions.py) has one dominant class, classes of 1 and 2 records (dropped at ingest),
of 3 and 4 records (one or two training notes), and a class whose records are one repeated note (kept in train,
absent from validation and test); critical classes include a dropped one and one without a test record. One
case audits two group columns with the SVM family, the other no group column with the logistic regression.
The stages run in this process (tests/in_process.py), in the graph's order, on a copy of the pipeline: the
question is whether any stage raises, and whether the reports say what could not be measured.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from conftest import make_pipeline_repo
from in_process import run_stages_here
from label_distributions import random_distribution

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("seed", [3, 4])
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
    run_stages_here(repo, monkeypatch, f"seed {seed}")

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
    # Classes of 3 and 4 records have one test record each: said, not scored as if measured.
    assert "fewer than 5 test records" in Path("reports/compliance/summary.md").read_text()

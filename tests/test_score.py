"""`vigil score`: the released model over part files, on both engines, equal to the evaluate stage's predictions."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from conftest import run
from vigil.cli import main
from vigil.errors import VigilError
from vigil.scoring.spark_partition import predictor_for

pytestmark = pytest.mark.slow


def _test_split_as_parts(repo: Path, into: Path) -> Path:
    """The test split as two part files, one Parquet and one CSV, in Hive-style folders beside a writer's
    sidecars (``_SUCCESS``, ``.crc``), as an exported table arrives."""
    table = pq.read_table(repo / "data/processed/test.parquet")
    half = table.num_rows // 2
    for folder in ("month=2024-01", "month=2024-02"):
        (into / folder).mkdir(parents=True)
    pq.write_table(table.slice(0, half), into / "month=2024-01/part-00000.parquet")
    table.slice(half).to_pandas().to_csv(into / "month=2024-02/part-00001.csv", index=False)
    (into / "_SUCCESS").write_bytes(b"")
    (into / "month=2024-01/.part-00000.parquet.crc").write_bytes(b"crc")
    return into


def _scored(out: Path) -> pd.DataFrame:
    """The predictions, at the input's paths: the same partitions, one Parquet file per part."""
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert written == ["month=2024-01/part-00000.parquet", "month=2024-02/part-00001.parquet"]
    return pd.concat([pd.read_parquet(out / p) for p in written], ignore_index=True)


@pytest.mark.xdist_group("spark")  # the suite's one Spark session lives in one worker
def test_both_engines_score_the_test_split_as_the_evaluate_stage_did(
    evidence_repo: Path, tmp_path: Path, spark, monkeypatch
):
    parts = _test_split_as_parts(evidence_repo, tmp_path / "notes")
    evaluated = pd.read_parquet(evidence_repo / "reports/predictions.parquet")
    local = tmp_path / "local"
    done = run(["vigil", "score", str(parts), "--out", str(local), "--allow-development"], evidence_repo)
    assert f"{len(evaluated)} notes in 2 part(s) scored (local)" in done.stdout

    # The Spark path of the same command, in-process on the suite's shared session (windows of 40 notes).
    monkeypatch.chdir(evidence_repo)
    on_spark = tmp_path / "spark"
    argv = ["score", str(parts), "--out", str(on_spark), "--allow-development", "--engine", "spark"]
    assert main([*argv, "--window-rows", "40", "--batch-rows", "20"]) == 0

    for out in (local, on_spark):
        scored = _scored(out)
        columns = list(scored.columns)
        assert columns[:3] == ["record_id", "y_pred", "confidence"] and len(columns) == 3 + 9
        pd.testing.assert_frame_equal(scored, evaluated[columns], check_exact=True)


def test_a_model_that_differs_from_the_manifest_is_refused_before_loading(evidence_repo: Path, tmp_path: Path):
    model = tmp_path / "model"
    shutil.copytree(evidence_repo / "models/model", model)
    with (model / "pipeline.joblib").open("ab") as handle:
        handle.write(b"\0")
    refused = run(
        ["vigil", "score", "data/processed/test.parquet", "--out", str(tmp_path / "out"), "--model", str(model),
         "--allow-development"],
        evidence_repo, check=False,
    )  # fmt: skip
    assert refused.returncode == 2 and not (tmp_path / "out").exists()
    assert "pipeline.joblib: SHA-256 differs from the manifest" in refused.stderr


def test_an_executor_refuses_a_copy_that_differs_from_the_manifest(evidence_repo: Path):
    import json

    manifest = json.loads((evidence_repo / "reports/compliance/manifest.json").read_text())
    digests = {
        entry["path"].removeprefix("models/model/"): entry["sha256"]
        for entry in manifest["artifacts"]
        if entry["path"].startswith("models/model/")
    }
    files = {name: (evidence_repo / "models/model" / name).read_bytes() for name in digests}
    files["pipeline.joblib"] = files["pipeline.joblib"][:-1]  # truncated on its way to the executor
    with pytest.raises(VigilError, match=r"pipeline.joblib: SHA-256 differs from the signed manifest"):
        predictor_for(files, digests)


def test_bad_input_is_named_in_one_line(evidence_repo: Path, tmp_path: Path):
    notes = tmp_path / "notes.parquet"
    pq.write_table(pq.read_table(evidence_repo / "data/processed/test.parquet").drop(["text"]), notes)
    refused = run(["vigil", "score", str(notes), "--out", str(tmp_path / "out"), "--allow-development"], evidence_repo,
                  check=False)  # fmt: skip
    assert refused.returncode == 2 and "no column 'text'" in refused.stderr and len(refused.stderr.splitlines()) == 1
    parts = _test_split_as_parts(evidence_repo, tmp_path / "parts")
    (parts / "month=2024-02/notes.xlsx").write_bytes(b"PK")  # not a part: refused, not left unscored
    refused = run(["vigil", "score", str(parts), "--out", str(tmp_path / "out"), "--allow-development"], evidence_repo,
                  check=False)  # fmt: skip
    assert refused.returncode == 2 and "holds files that are not .parquet or .csv parts: month=2024-02/notes.xlsx" in (
        refused.stderr
    )
    (parts / "month=2024-02/notes.xlsx").unlink()
    inside = run(["vigil", "score", str(parts), "--out", str(parts / "scored"), "--allow-development"], evidence_repo,
                 check=False)  # fmt: skip
    assert inside.returncode == 2 and "must be outside the input" in inside.stderr

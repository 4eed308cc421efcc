"""`dvc repro ingest` on part files in S3, read with the DVC remote's own endpoint and credentials.

Real components: moto's S3 server on 127.0.0.1, DVC in a temporary git repo,
the public FAA remarks cut into CSV parts as Spark writes them. The credentials
live only in ``.dvc/config.local`` (no AWS variable, no AWS config file), so a
passing run shows ingest used the remote's settings, as ``dvc repro`` did to
hash the dependency.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import S3_ENV, make_pipeline_repo, offline_env, requires_shared_data, s3_client
from test_part_files import FAA, MIN_EXAMPLES, _cut, _faa, _profile, _source_rows
from vigil.data.part_files import open_source
from vigil.data.sources import load_dataset
from vigil.errors import DataValidationError

pytestmark = requires_shared_data


def _without_aws(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in offline_env().items() if not k.startswith("AWS_")}
    missing = str(tmp_path / "no-aws-config")
    return {**env, "AWS_CONFIG_FILE": missing, "AWS_SHARED_CREDENTIALS_FILE": missing}


def _dvc(args: list[str], repo: Path, env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(["dvc", *args], cwd=repo, env=env, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"dvc {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def _upload(client, frames: list[pd.DataFrame]) -> None:
    for number, frame in enumerate(frames):
        client.put_object(Bucket="lake", Key=f"faa/part-{number:05d}.csv", Body=frame.to_csv(index=False).encode())
    client.put_object(Bucket="lake", Key="faa/_SUCCESS", Body=b"")


def test_ingest_reads_s3_parts_through_the_dvc_remote_and_reruns_when_one_changes(tmp_path, moto_s3, monkeypatch):
    client = s3_client(moto_s3)
    client.create_bucket(Bucket="lake")
    frames = _cut(_source_rows(), 3)
    _upload(client, frames)
    config = {**FAA, "name": "faa_lake", "source": "remote://lake/faa"}
    repo = make_pipeline_repo(
        tmp_path, ["data=faa_lake"], {"params/data/faa_lake.yaml": yaml.safe_dump(config, sort_keys=False)}
    )
    env = _without_aws(tmp_path)
    _dvc(["remote", "add", "lake", "s3://lake"], repo, env)
    _dvc(["remote", "modify", "lake", "endpointurl", moto_s3], repo, env)
    _dvc(["remote", "modify", "--local", "lake", "access_key_id", S3_ENV["AWS_ACCESS_KEY_ID"]], repo, env)
    _dvc(["remote", "modify", "--local", "lake", "secret_access_key", S3_ENV["AWS_SECRET_ACCESS_KEY"]], repo, env)
    assert "testing" not in (repo / ".dvc" / "config").read_text()  # the secret stays out of git

    _dvc(["repro", "ingest"], repo, env)
    whole = load_dataset(_faa(Path(FAA["source"]).resolve()), seed=1, min_examples_per_label=MIN_EXAMPLES)
    raw = pd.read_parquet(repo / "data/interim/raw.parquet")
    pd.testing.assert_frame_equal(raw, whole.frame, check_exact=True)
    quality = json.loads((repo / "reports/data_quality.json").read_text())
    assert quality["source"]["parts"] == 3 and quality["source"]["path"] == "remote://lake/faa"
    assert {k: v for k, v in quality.items() if k != "source"} == {
        k: v for k, v in _profile(whole).items() if k != "source"
    }
    lock = yaml.safe_load((repo / "dvc.lock").read_text())
    dep = next(d for d in lock["stages"]["ingest"]["deps"] if d["path"] == "remote://lake/faa")
    assert dep["nfiles"] == 4  # the three parts and _SUCCESS: DVC hashes what is there

    changed = frames[2].copy()
    changed.iloc[0, changed.columns.get_loc("c119")] = "ENGINE MOUNT BOLT FOUND LOOSE ON INSPECTION"
    client.put_object(Bucket="lake", Key="faa/part-00002.csv", Body=changed.to_csv(index=False).encode())
    status = _dvc(["status", "ingest"], repo, env).stdout
    assert "changed deps" in status and "remote://lake/faa" in status
    _dvc(["repro", "ingest"], repo, env)
    raw = pd.read_parquet(repo / "data/interim/raw.parquet")
    first_of_last_part = changed["c5"].iloc[0].strip()
    assert raw.set_index("record_id").loc[first_of_last_part, "text"] == "ENGINE MOUNT BOLT FOUND LOOSE ON INSPECTION"
    new_digest = json.loads((repo / "reports/data_quality.json").read_text())["source"]["sha256"]
    assert new_digest != quality["source"]["sha256"]

    # Errors name the object and the row, and an unknown remote is named with where to look.
    blank = changed.copy()
    blank.iloc[7, blank.columns.get_loc("c119")] = " "
    client.put_object(Bucket="lake", Key="faa/part-00002.csv", Body=blank.to_csv(index=False).encode())
    failed = _dvc(["repro", "ingest"], repo, env, check=False)
    assert failed.returncode != 0
    assert "remote://lake/faa/part-00002.csv, row 8, column 'c119': empty text" in failed.stderr + failed.stdout
    monkeypatch.chdir(repo)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(DataValidationError, match=r"remote://nowhere/faa: .*nowhere.* \(see `dvc remote list`\)"):
        open_source("remote://nowhere/faa", "csv")
    assert os.environ.get("AWS_ACCESS_KEY_ID") is None

    # A table partitioned into key=value folders on the remote: the folders' column is read as on a local disk.
    rows = _source_rows()
    for number, event in enumerate(("A", "I")):
        part = rows[rows["c1"] == event].drop(columns="c1").to_csv(index=False).encode()
        client.put_object(Bucket="lake", Key=f"hive/c1={event}/part-{number:05d}.csv", Body=part)
    partitioned = load_dataset({**config, "source": "remote://lake/hive"}, seed=1, min_examples_per_label=MIN_EXAMPLES)
    by_id = [frame.sort_values("record_id").reset_index(drop=True) for frame in (partitioned.frame, whole.frame)]
    pd.testing.assert_frame_equal(*by_id, check_exact=True)
    assert partitioned.parts == 2 and "event_type" in partitioned.group_columns

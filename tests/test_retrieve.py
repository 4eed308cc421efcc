"""`vigil retrieve` through an S3 remote (the local remote's cases are in test_trust_chain.py).

Real components only: conftest's ``release_repo`` (two revisions signed by an
anchored release key), DVC's default local remote, and an S3 remote served by
moto on 127.0.0.1 (the DVC cache is deleted first, so every evidence byte comes
from the remote).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import S3_ENV, run, s3_client


@pytest.fixture
def s3_endpoint(moto_s3: str) -> str:
    """The moto server with an empty bucket ``vigil-evidence``."""
    s3_client(moto_s3).create_bucket(Bucket="vigil-evidence")
    return moto_s3


def test_evidence_round_trips_through_an_s3_remote(release_repo: Path, s3_endpoint: str, tmp_path: Path):
    repo = tmp_path / "repo"
    shutil.copytree(release_repo, repo, symlinks=True)
    run(["dvc", "remote", "add", "-d", "s3", "s3://vigil-evidence/dvc"], repo)
    run(["dvc", "remote", "modify", "s3", "endpointurl", s3_endpoint], repo)
    run(["dvc", "push", "-r", "s3"], repo, env=S3_ENV)
    run(["git", "add", ".dvc/config"], repo)
    run(["git", "commit", "-qm", "evidence remote: S3"], repo)
    shutil.rmtree(repo / ".dvc" / "cache")
    shutil.rmtree(repo / ".dvc-storage")  # the local remote is gone: only S3 can answer

    objects = s3_client(s3_endpoint).list_objects_v2(Bucket="vigil-evidence", Prefix="dvc/")
    assert objects["KeyCount"] > 10
    result = run(["vigil", "retrieve", "--rev", "HEAD", "--out", str(tmp_path / "out")], repo, env=S3_ENV)
    assert "verification passed (8/8 checks)" in result.stdout

"""`vigil retrieve` through an S3 remote (the local remote's cases are in test_trust_chain.py).

Real components only: conftest's ``release_repo`` (two revisions signed by an
anchored release key), DVC's default local remote, and an S3 remote served by
moto on 127.0.0.1 (the DVC cache is deleted first, so every evidence byte comes
from the remote).
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import VENV_BIN, free_port, offline_env, run

S3_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


@pytest.fixture
def s3_endpoint(tmp_path: Path) -> Iterator[str]:
    """A moto S3 server on 127.0.0.1 with an empty bucket ``vigil-evidence``."""
    port = free_port()
    log = (tmp_path / "moto.log").open("w")
    server = subprocess.Popen(
        [str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=offline_env(**S3_ENV),
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        import boto3

        deadline = time.monotonic() + 30
        while True:
            try:
                client = boto3.client("s3", endpoint_url=endpoint, **_boto_credentials())
                client.create_bucket(Bucket="vigil-evidence")
                break
            except Exception:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def _boto_credentials() -> dict[str, str]:
    return {
        "aws_access_key_id": S3_ENV["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": S3_ENV["AWS_SECRET_ACCESS_KEY"],
        "region_name": S3_ENV["AWS_DEFAULT_REGION"],
    }


def test_evidence_round_trips_through_an_s3_remote(release_repo: Path, s3_endpoint: str, tmp_path: Path):
    import boto3

    repo = tmp_path / "repo"
    shutil.copytree(release_repo, repo, symlinks=True)
    run(["dvc", "remote", "add", "-d", "s3", "s3://vigil-evidence/dvc"], repo)
    run(["dvc", "remote", "modify", "s3", "endpointurl", s3_endpoint], repo)
    run(["dvc", "push", "-r", "s3"], repo, env=S3_ENV)
    run(["git", "add", ".dvc/config"], repo)
    run(["git", "commit", "-qm", "evidence remote: S3"], repo)
    shutil.rmtree(repo / ".dvc" / "cache")
    shutil.rmtree(repo / ".dvc-storage")  # the local remote is gone: only S3 can answer

    objects = boto3.client("s3", endpoint_url=s3_endpoint, **_boto_credentials()).list_objects_v2(
        Bucket="vigil-evidence", Prefix="dvc/"
    )
    assert objects["KeyCount"] > 10
    result = run(["vigil", "retrieve", "--rev", "HEAD", "--out", str(tmp_path / "out")], repo, env=S3_ENV)
    assert "verification passed (8/8 checks)" in result.stdout

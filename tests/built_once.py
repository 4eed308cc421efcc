"""Session fixtures that run the pipeline: built once per test run, copied into every process that asks.

pytest-xdist gives each worker its own session, so a session fixture that runs ``dvc repro`` ran
once per worker, and ``make test``'s second (serial) session ran it once more: three builds of
the same 900-record baseline, about 45 s each on a 2-core machine, and two of the release repo.
Here the first process to ask builds it in a directory every process of the run can see, under a
file lock; the others wait for that build and copy it (a DVC repo with its cache and local remote
is relocatable: its remote URL is relative).

The directory is named after a hash of the files the build reads (the pipeline's files and this
suite's build recipe), so a build is never reused across a change to them, even when the shared
directory outlives one run.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from vigil.hashing import sha256_file, sha256_listing

SHARED_DIR_VARIABLE = "VIGIL_TEST_SHARED_DIR"  # set by `make test` for both of its pytest sessions
COMPLETE = ".built"


def content_key(root: Path, names: Iterable[str], *extra: str) -> str:
    """A short digest of the files under ``names`` (relative to ``root``, compiled modules left out) and ``extra``."""
    digests = {}
    for name in names:
        top = root / name
        for path in top.rglob("*") if top.is_dir() else [top]:
            if path.is_file() and not any(part == "__pycache__" or part.endswith(".egg-info") for part in path.parts):
                digests[path.relative_to(root).as_posix()] = sha256_file(path)
    digests.update({f"\0extra {i}": hashlib.sha256(value.encode()).hexdigest() for i, value in enumerate(extra)})
    return sha256_listing(digests)[:16]


def shared_root(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """Where builds are shared: the run's directory, else the xdist workers' common temp root, else nowhere."""
    configured = os.environ.get(SHARED_DIR_VARIABLE)
    if configured:
        return Path(configured)
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return tmp_path_factory.getbasetemp().parent
    return None


@contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    with lock_path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file closes, also if the process dies
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def built_once(name: str, key: str, build: Callable[[Path], None], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private directory holding what ``build(directory)`` makes, built at most once per run and key."""
    private = tmp_path_factory.mktemp(name)
    root = shared_root(tmp_path_factory)
    if root is None:
        build(private)
        return private
    shared = root / f"vigil-{name}-{key}"
    with _exclusive(root / f"vigil-{name}-{key}.lock"):
        if not (shared / COMPLETE).is_file():
            shutil.rmtree(shared, ignore_errors=True)  # a build that died half-way
            shared.mkdir(parents=True)
            build(shared)
            (shared / COMPLETE).touch()
    shutil.copytree(shared, private, symlinks=True, dirs_exist_ok=True, ignore=shutil.ignore_patterns(COMPLETE))
    return private

"""``vigil exp run``: ``dvc exp run``, with the workspace put back as it was when the run fails.

A workspace experiment rewrites ``params.yaml`` before the first stage, deletes each
stage's outputs before running it and records finished stages in ``dvc.lock``. When
a stage fails, DVC stops there: ``params.yaml`` names the configuration that failed,
some outputs are gone and others come from the new run, so the next ``dvc repro``,
``vigil gate`` or report would mix two runs. DVC also resets git's index, so files
the user had staged come back unstaged.

This wrapper snapshots what a run can change and nothing else: the git index (as a
tree object), ``params.yaml``, ``dvc.lock``, the files under ``params/`` and every
``cache: false`` output (small JSON, CSV, Markdown; git keeps them, DVC's cache does
not). Cached outputs need no copy: once ``dvc.lock`` is restored, ``dvc checkout``
brings them back from the cache. On success only the index is restored; the run's
outputs are the point.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from vigil.errors import VigilError

SMALL_FILES = ("params.yaml", "dvc.lock")
FAILED_STAGE = re.compile(r"failed to reproduce '([^']+)'")
RESTORED = "the workspace is as it was before the run (params.yaml, dvc.lock, outputs and staged files restored)"


@dataclass(frozen=True)
class Snapshot:
    """What a workspace experiment can change: the index tree and copies of the uncached files."""

    index_tree: str
    copies: Path  # directory holding the copies, by repository-relative path
    present: tuple[str, ...]  # relative paths that existed before the run (files or directories)
    absent: tuple[str, ...]  # relative paths that did not exist (removed again on restore)


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)  # noqa: S603,S607
    if done.returncode != 0:
        raise VigilError(f"git {' '.join(args)}: {(done.stderr.strip().splitlines() or ['failed'])[-1]}")
    return done.stdout.strip()


def uncached_paths(repo: Path) -> list[str]:
    """``params.yaml``, ``dvc.lock``, ``params/`` and every ``cache: false`` output, relative to ``repo``."""
    from dvc.repo import Repo

    with Repo(str(repo)) as dvc_repo:
        outputs = [out.def_path for out in dvc_repo.index.outs if not out.use_cache]
    return sorted({*SMALL_FILES, "params", *outputs})


def take_snapshot(repo: Path, paths: Sequence[str], into: Path) -> Snapshot:
    """Copy ``paths`` (those that exist) under ``into`` and record the index as a tree."""
    present, absent = [], []
    for relative in paths:
        source = repo / relative
        target = into / relative
        if source.is_dir():
            shutil.copytree(source, target, symlinks=True)
        elif source.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
        else:
            absent.append(relative)
            continue
        present.append(relative)
    return Snapshot(_git(repo, "write-tree"), into, tuple(present), tuple(absent))


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def restore_workspace(repo: Path, snapshot: Snapshot) -> None:
    """Put back the copied files, drop what the run created, check out cached outputs, restore the index."""
    for relative in snapshot.absent:
        _remove(repo / relative)
    for relative in snapshot.present:
        copy, target = snapshot.copies / relative, repo / relative
        _remove(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        if copy.is_dir():
            shutil.copytree(copy, target, symlinks=True)
        else:
            shutil.copy2(copy, target)
    checkout = subprocess.run(  # noqa: S603,S607
        ["dvc", "checkout", "--force", "--allow-missing", "--quiet"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    if checkout.returncode != 0:
        detail = (checkout.stderr.strip().splitlines() or ["failed"])[-1]
        raise VigilError(f"the run failed and `dvc checkout` could not restore its outputs: {detail}")
    restore_index(repo, snapshot)


def restore_index(repo: Path, snapshot: Snapshot) -> None:
    """Stage again exactly what was staged before the run."""
    _git(repo, "read-tree", snapshot.index_tree)


def _run_streaming(command: Sequence[str], repo: Path) -> tuple[int, list[str]]:
    """Run ``command`` showing its output as it comes; returns its exit code and its last lines."""
    tail: deque[str] = deque(maxlen=200)
    with subprocess.Popen(  # noqa: S603
        list(command), cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
    ) as process:
        assert process.stdout is not None
        try:
            for line in process.stdout:
                sys.stdout.write(line)
                sys.stdout.flush()
                tail.append(line.rstrip("\n"))
        except KeyboardInterrupt:
            process.send_signal(signal.SIGINT)  # a terminal's Ctrl-C reached dvc too; a kill -INT of vigil did not
            process.wait()
            raise
    return process.returncode, list(tail)


def guarded_experiment(repo: Path, dvc_args: Sequence[str]) -> None:
    """``dvc exp run DVC_ARGS`` in ``repo``; on failure, the workspace as it was and one line saying so."""
    dvc = shutil.which("dvc")
    if dvc is None:
        raise VigilError("dvc not found on PATH (activate the project's .venv)")
    repo = repo.resolve()
    paths = uncached_paths(repo)
    scratch = repo / ".dvc" / "tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="vigil-exp-run-", dir=scratch) as held:
        snapshot = take_snapshot(repo, paths, Path(held))
        try:
            code, tail = _run_streaming([dvc, "exp", "run", *dvc_args], repo)
        except KeyboardInterrupt:
            restore_workspace(repo, snapshot)
            raise VigilError(f"interrupted; {RESTORED}") from None
        if code == 0:
            restore_index(repo, snapshot)
            return
        stage = next((m.group(1) for line in reversed(tail) if (m := FAILED_STAGE.search(line))), None)
        restore_workspace(repo, snapshot)
    where = f"at stage '{stage}'" if stage else f"(exit {code})"
    raise VigilError(f"dvc exp run failed {where}, see its error above; {RESTORED}")

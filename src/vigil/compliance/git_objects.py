"""A commit's files as git stores them, never the working tree.

Trust decisions read git objects only: the anchors committed at HEAD, a
revision's ``dvc.lock`` and ``params.yaml``, the code a lock claims to
describe, the ``cache: false`` outputs an author committed. Whoever can edit
files on a disk can edit the working tree, not what was reviewed into git.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

ReadFile = Callable[[str], bytes | None]
ListDir = Callable[[str], dict[str, bytes]]


def run_git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    """``git ARGS`` in ``root``, output captured, never raising on a non-zero exit."""
    return subprocess.run(["git", *args], cwd=root, capture_output=True, check=False, timeout=60)  # noqa: S603


def git_readers(root: Path, rev: str) -> tuple[ReadFile, ListDir]:
    """Readers of ``rev``'s files: ``read_file(path)`` (None when absent) and ``list_dir(path)``.

    ``list_dir`` maps each file under the directory (relative to it) to its bytes.
    """

    def read_file(path: str) -> bytes | None:
        done = run_git(root, "cat-file", "blob", f"{rev}:{path}")
        return done.stdout if done.returncode == 0 else None

    def list_dir(path: str) -> dict[str, bytes]:
        directory = path.rstrip("/")
        done = run_git(root, "ls-tree", "-r", "-z", "--name-only", rev, "--", f"{directory}/")
        names = [n for n in done.stdout.decode("utf-8").split("\0") if n]
        found = {name[len(directory) + 1 :]: read_file(name) for name in names}
        return {name: data for name, data in found.items() if data is not None}

    return read_file, list_dir

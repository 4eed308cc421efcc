"""Where ingest's records come from: one file, a directory of part files, or either under a DVC remote.

Spark, Hive and most exporters write a table as a directory of part files
(``part-00000-….parquet`` beside ``_SUCCESS`` and ``.crc`` sidecars), often in
``key=value`` folders whose names hold a column (``vigil.data.hive_partitions``).
Ingest reads such a directory one part at a time, in path order, so its memory is
bounded by a part (a row group, for Parquet), not by the table.

A ``remote://<dvc remote>/<path>`` source (or a plain ``s3://…`` URL) is read
through DVC's own filesystem for that remote, with the endpoint and credentials
DVC already uses (``.dvc/config``, ``.dvc/config.local``, the environment). The
same string is the ingest stage's dependency, so ``dvc repro`` hashes the very
objects read here and re-runs ingest when one changes.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from vigil.data.hive_partitions import partition_keys
from vigil.errors import DataValidationError
from vigil.hashing import sha256_file, sha256_listing

PART_SUFFIXES = {"csv": (".csv",), "parquet": (".parquet", ".parq")}
_REMOTE_SCHEMES = ("remote://", "s3://")


@dataclass(frozen=True)
class PartFile:
    """One file of the source: ``shown`` in error messages, ``relative`` to the source root (for the digest)."""

    shown: str
    relative: str
    location: str


def is_remote(source: str) -> bool:
    """A source DVC reads through a remote filesystem rather than the working tree."""
    return source.startswith(_REMOTE_SCHEMES)


def is_bookkeeping(relative: str) -> bool:
    """Writers' sidecars: ``_SUCCESS``, ``_committed_…``, ``.part-0.crc``, hidden files and folders."""
    return any(part.startswith(("_", ".")) for part in PurePosixPath(relative).parts)


def select_parts(source: str, relatives: list[str], fmt: str) -> list[str]:
    """The part files among a directory's files, sorted; anything unexpected is refused by name.

    A stray file of another format is an error rather than skipped: a table
    whose parts are half CSV and half Parquet, or carry a spreadsheet, is not
    one table, and silently reading less than the user pointed at would train
    on less than they think.
    """
    suffixes = PART_SUFFIXES[fmt]
    return data_files(
        source,
        relatives,
        suffixes,
        f"{fmt} part files ({' or '.join(suffixes)})",
        "; move them out or set data.format to their format",
    )


def data_files(source: str, relatives: list[str], suffixes: tuple[str, ...], what: str, hint: str = "") -> list[str]:
    """``relatives`` without writers' sidecars, sorted; a file without one of ``suffixes`` is refused by name."""
    data = sorted(r for r in relatives if not is_bookkeeping(r))
    stray = [r for r in data if not r.lower().endswith(suffixes)]
    if stray:
        listed = ", ".join(stray[:5]) + (", ..." if len(stray) > 5 else "")
        raise DataValidationError(source, f"holds files that are not {what}: {listed}{hint}")
    if not data:
        raise DataValidationError(source, f"directory holds no {what}")
    return data


class PartSource:
    """The parts of a source and a way to get each as a local file, plus the digest of what was read."""

    def __init__(self, source: str, parts: list[PartFile], single_file: bool) -> None:
        self.source, self.parts, self.single_file = source, parts, single_file
        self._digests: dict[str, str] = {}
        # Hive-style key=value folders: columns moved out of the files (vigil.data.hive_partitions)
        self.partition_keys = [] if single_file else partition_keys(part.relative for part in parts)

    @contextlib.contextmanager
    def local_copy(self, part: PartFile) -> Iterator[Path]:
        """Yield a local path holding ``part``'s bytes (the file itself, when it is local)."""
        path = Path(part.location)
        self._digests[part.relative] = sha256_file(path)
        yield path

    def digest(self) -> str:
        """SHA-256 of a single file, or of the parts read (``sha256_listing``, as ``sha256_tree`` digests a folder)."""
        return next(iter(self._digests.values())) if self.single_file else sha256_listing(self._digests)


class RemotePartSource(PartSource):
    """Parts on a DVC remote, downloaded one at a time to a temporary file that is deleted after use."""

    def __init__(self, source: str, parts: list[PartFile], single_file: bool, fs: Any) -> None:
        super().__init__(source, parts, single_file)
        self._fs = fs

    @contextlib.contextmanager
    def local_copy(self, part: PartFile) -> Iterator[Path]:
        with tempfile.TemporaryDirectory(prefix="vigil-part-") as tmp:
            path = Path(tmp) / PurePosixPath(part.relative).name
            try:
                self._fs.get_file(part.location, str(path))
            except Exception as exc:  # the filesystems raise their own types (botocore, fsspec, OSError)
                raise DataValidationError(part.shown, f"cannot download ({type(exc).__name__}: {exc})") from exc
            self._digests[part.relative] = sha256_file(path)
            yield path


def open_source(source: str, fmt: str) -> PartSource:
    """List ``source``'s parts: a file is one part; a directory's data files are parts, in path order."""
    if is_remote(source):
        return _open_remote(source, fmt)
    root = Path(source)
    if root.is_file():
        return PartSource(source, [PartFile(source, root.name, source)], single_file=True)
    if not root.is_dir():
        raise DataValidationError(source, "file not found (is it tracked with `dvc add` and pulled?)")
    relatives = [p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()]
    parts = [PartFile(str(root / r), r, str(root / r)) for r in select_parts(source, relatives, fmt)]
    return PartSource(source, parts, single_file=False)


def remote_filesystem(source: str) -> tuple[Any, str]:
    """DVC's filesystem for ``source`` and the path on it, configured as ``dvc repro`` configures it."""
    from dvc.config import Config, ConfigError
    from dvc.fs import get_cloud_fs

    try:
        config = Config.from_cwd()
        cls, settings, path = get_cloud_fs(config, url=source)
        return cls(**settings), path
    except ConfigError as exc:  # RemoteNotFoundError and friends: a one-line, fixable problem
        raise DataValidationError(source, f"{exc} (see `dvc remote list`)") from exc


def _open_remote(source: str, fmt: str) -> PartSource:
    fs, root = remote_filesystem(source)
    try:
        if fs.isfile(root):
            name = PurePosixPath(root).name
            return RemotePartSource(source, [PartFile(source, name, root)], single_file=True, fs=fs)
        found = fs.find(root)
    except Exception as exc:  # credentials, endpoint, permissions: name the source and the cause
        raise DataValidationError(source, f"cannot list ({type(exc).__name__}: {exc})") from exc
    if not found:
        raise DataValidationError(source, "nothing found at this location (check the remote and the path)")
    prefix = root.rstrip("/") + "/"
    relatives = [path.removeprefix(prefix) for path in found]
    base = source.rstrip("/")
    parts = [PartFile(f"{base}/{r}", r, prefix + r) for r in select_parts(source, relatives, fmt)]
    return RemotePartSource(source, parts, single_file=False, fs=fs)

"""Which locked dependencies a revision's own files can vouch for (``vigil retrieve``'s revision check)."""

from __future__ import annotations

import hashlib

import pytest

from vigil.compliance.staleness import external_dependencies, is_external, stale_entries

LOCK = """schema: '2.0'
stages:
  ingest:
    cmd: python stages/ingest.py
    deps:
    - path: stages/ingest.py
      md5: {code}
    - path: {source}
      md5: 46c926f40d455c501c6226bbc8c25f0c.dir
      nfiles: 4
"""
CODE = b"print('ingest')\n"


def _read(files: dict[str, bytes]):
    return lambda path: files.get(path)


@pytest.mark.parametrize(
    ("path", "external"),
    [
        ("remote://lake/notes", True),
        ("s3://bucket/notes/", True),
        ("/data/notes.csv", True),
        ("../shared/data/faa/notes.csv", True),
        ("data/../../outside.csv", True),
        ("data/external/notes.csv", False),
        ("data/..hidden/notes.csv", False),
    ],
)
def test_a_dependency_is_external_when_it_is_not_under_the_repository(path, external):
    assert is_external(path) is external


@pytest.mark.parametrize("source", ["remote://lake/notes", "../shared/data/notes"])
def test_an_external_source_is_listed_unchecked_not_called_modified(source):
    lock = LOCK.format(code=hashlib.md5(CODE).hexdigest(), source=source)
    assert stale_entries(lock, _read({"stages/ingest.py": CODE}), lambda path: {}, None) == []
    assert external_dependencies(lock) == [source]


def test_a_changed_file_in_the_repository_is_still_stale_beside_an_external_source():
    lock = LOCK.format(code=hashlib.md5(CODE).hexdigest(), source="remote://lake/notes")
    changed = _read({"stages/ingest.py": b"print('other')\n"})
    assert stale_entries(lock, changed, lambda path: {}, None) == [
        "ingest: stages/ingest.py changed since dvc.lock was written (dvc status: modified)"
    ]

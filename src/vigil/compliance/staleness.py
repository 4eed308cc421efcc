"""Is a revision's ``dvc.lock`` still the truth about that revision? (``dvc status``, for any revision.)

A tag whose training code or parameters changed after the last ``dvc repro``
carries a ``dvc.lock`` that describes *other* code: its evidence is not the
evidence of that tag. DVC finds this with ``dvc status`` in a checkout; this
module does the same from any revision's files (read through git), so
``vigil retrieve`` can refuse to vouch for a stale revision:

- every dependency that is a git-tracked file or directory must have the MD5
  ``dvc.lock`` recorded;
- every dependency that is another stage's output must carry that output's
  locked MD5 (the lock is internally consistent);
- every parameter value a stage locked must still be the value in ``params.yaml``.

A dependency outside the repository (a ``remote://`` or ``s3://`` data source, a
path above the repository) is not in the revision's files: git cannot say
whether it changed, so it is listed as unchecked rather than called modified;
its locked hash is the record of what was read.
"""

from __future__ import annotations

import posixpath

from vigil.compliance.git_objects import ListDir, ReadFile
from vigil.compliance.lock_hashes import bytes_md5, listing_md5, locked_outputs, owner
from vigil.config_section import lookup
from vigil.yaml_text import load_yaml


def _current_md5(path: str, is_dir: bool, read_file: ReadFile, list_dir: ListDir) -> str:
    """The MD5 DVC would compute for ``path`` at the revision: from git, or from its ``.dvc`` pointer.

    Data added with ``dvc add`` is not in git; its pointer file is, and holds
    the hash (the data itself is never fetched here: it may be personal data).
    """
    pointer = read_file(f"{path}.dvc")
    if pointer is not None:
        outs = (load_yaml(pointer) or {}).get("outs") or [{}]
        return str(outs[0].get("md5", "missing"))
    if is_dir:
        files = list_dir(path)
        return listing_md5({name: bytes_md5(data) for name, data in files.items()}) if files else "missing"
    data = read_file(path)
    return bytes_md5(data) if data is not None else "missing"


def is_external(path: str) -> bool:
    """A dependency that lives outside the repository: a URL, an absolute path, or one above the root."""
    if "://" in path or path.startswith("/"):
        return True
    return posixpath.normpath(path).startswith("../") or posixpath.normpath(path) == ".."


def external_dependencies(lock_text: str) -> list[str]:
    """The locked dependencies no revision's files can re-hash, in lock order, each once."""
    document = load_yaml(lock_text) or {}
    paths = [
        str(dep.get("path", ""))
        for entry in (document.get("stages") or {}).values()
        for dep in (entry or {}).get("deps") or []
    ]
    return list(dict.fromkeys(p for p in paths if p and is_external(p)))


def stale_entries(lock_text: str, read_file: ReadFile, list_dir: ListDir, params_text: str | None) -> list[str]:
    """Each way ``dvc.lock`` disagrees with the revision's own files, one line each."""
    document = load_yaml(lock_text) or {}
    outputs = locked_outputs(lock_text)
    params = load_yaml(params_text) if params_text else {}
    problems: list[str] = []
    for stage, entry in (document.get("stages") or {}).items():
        entry = entry or {}
        for dep in entry.get("deps") or []:
            path, md5 = str(dep.get("path", "")), str(dep.get("md5", ""))
            if not path or not md5 or is_external(path):
                continue
            producer = owner(path, outputs)
            if producer == path and outputs[path].md5 != md5:
                wrote = outputs[path].md5
                problems.append(f"{stage}: dependency {path} is locked as {md5}, its producer wrote {wrote}")
            if producer:  # a file inside an output directory is checked with that directory's bytes
                continue
            actual = _current_md5(path, md5.endswith(".dir"), read_file, list_dir)
            if actual != md5:
                problems.append(f"{stage}: {path} changed since dvc.lock was written (dvc status: modified)")
        for file_params in (entry.get("params") or {}).values():
            for key, locked in (file_params or {}).items():
                found, current = lookup(params or {}, str(key))
                if not found or locked != current:  # both parsed YAML: compared by value
                    problems.append(f"{stage}: parameter {key} changed since dvc.lock was written")
    return problems

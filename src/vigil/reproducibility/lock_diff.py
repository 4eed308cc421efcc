"""Did CI reproduce what the author proposed? The author's ``dvc.lock`` against the one CI just computed.

In a pull request the author's outputs are a proposal, not evidence: CI
re-runs every stage from the inputs (``dvc repro --force --no-run-cache``),
then this module compares, output by output, the MD5 the author locked with
the MD5 CI produced. Equal hashes are "identical". Where they differ and the
author's bytes can be read (pushed to the DVC remote, or committed to git for
``cache: false`` outputs), the two versions are compared by meaning with
:mod:`~vigil.reproducibility.compare` ("equal within tolerance" or
"different", with the largest difference); otherwise the output is
"different" and the comment says the author's bytes were not pushed.

The ``report`` stage is not compared: its outputs are signed, and a
signature differs on every run by design.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from vigil.compliance.git_objects import git_readers
from vigil.compliance.lock_hashes import bytes_md5, file_md5, listing_md5
from vigil.reproducibility.compare import Comparison, Verdict
from vigil.reproducibility.rerun import NOT_REPRODUCED_BY_DEFAULT, StageResult, compare_output, dvc_cache_dir
from vigil.yaml_text import load_yaml

DIR_SUFFIX = ".dir"


def _object(cache: Path, md5: str) -> Path:
    return cache / "files" / "md5" / md5[:2] / md5[2:]


def authors_version(repo: Path, rev: str, path: str, md5: str, cache: Path, into: Path) -> Path | None:
    """The author's bytes of output ``path`` (locked as ``md5``) under ``into``, or None when unavailable.

    From the DVC cache (what ``dvc pull`` brought from the remote) when the
    output is cached, else from git at ``rev`` (``cache: false`` outputs are
    committed). Only bytes whose hash is the locked one are used.
    """
    read_file, list_dir = git_readers(repo, rev)
    target = into / path
    target.parent.mkdir(parents=True, exist_ok=True)
    if md5.endswith(DIR_SUFFIX):
        listing = _object(cache, md5.removesuffix(DIR_SUFFIX))
        if listing.is_file():
            entries = {e["relpath"]: e["md5"] for e in json.loads(listing.read_bytes())}
            if listing_md5(entries) == md5 and all(_object(cache, m).is_file() for m in entries.values()):
                for relative, file_hash in entries.items():
                    (target / relative).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(_object(cache, file_hash), target / relative)
                return target
        files = list_dir(path)
        if files and listing_md5({n: bytes_md5(d) for n, d in files.items()}) == md5:
            for relative, data in files.items():
                (target / relative).parent.mkdir(parents=True, exist_ok=True)
                (target / relative).write_bytes(data)
            return target
        return None
    cached = _object(cache, md5)
    if cached.is_file() and file_md5(cached) == md5:
        shutil.copyfile(cached, target)
        return target
    committed = read_file(path)
    if committed is not None and bytes_md5(committed) == md5:
        target.write_bytes(committed)
        return target
    return None


def _outputs(lock: dict[str, Any], stage: str) -> dict[str, str]:
    entry = (lock.get("stages") or {}).get(stage) or {}
    return {str(o["path"]): str(o["md5"]) for o in entry.get("outs") or [] if o.get("md5")}


def compare_locks(
    repo: Path, author_lock_text: str, computed_lock_text: str, *, rev: str = "HEAD", tolerance: float = 1e-6
) -> list[StageResult]:
    """Per stage, how each output CI computed (in ``repo``'s workspace) compares with the author's."""
    author = load_yaml(author_lock_text) or {}
    computed = load_yaml(computed_lock_text) or {}
    cache = dvc_cache_dir(repo)
    results = []
    with tempfile.TemporaryDirectory(prefix="vigil-author-") as tmp:
        for stage in computed.get("stages") or {}:
            if stage in NOT_REPRODUCED_BY_DEFAULT:
                continue
            result = StageResult(stage)
            proposed = _outputs(author, stage)
            if not proposed:
                result.error = "the author's dvc.lock has no such stage (it was never run before pushing)"
            for path, md5 in _outputs(computed, stage).items():
                locked = proposed.get(path)
                if locked == md5:
                    result.comparisons.append(Comparison(path, Verdict.IDENTICAL))
                elif locked is None:
                    result.comparisons.append(Comparison(path, Verdict.DIFFERENT, detail="not in the author's lock"))
                else:
                    theirs = authors_version(repo, rev, path, locked, cache, Path(tmp))
                    if theirs is None:
                        detail = f"MD5 {md5} vs the author's {locked}; the author's bytes were not pushed (dvc push)"
                        result.comparisons.append(Comparison(path, Verdict.DIFFERENT, detail=detail))
                    else:
                        result.comparisons.extend(compare_output(path, theirs, repo / path, repo, tolerance))
            results.append(result)
    return results


def reproduction_markdown(result: dict[str, Any]) -> str:
    """The PR comment's reproduction section: one line when reproduced, each differing output otherwise."""
    verdict = result["verdict"]
    lines = ["### Reproduction by CI", ""]
    if verdict == Verdict.IDENTICAL.value:
        lines.append(
            "**Reproduced**: CI re-ran every stage from the inputs and got the author's `dvc.lock`, byte for byte."
        )
    elif verdict == Verdict.WITHIN_TOLERANCE.value:
        lines.append(
            "**Reproduced within tolerance**: CI re-ran every stage; largest probability difference "
            f"{result['largest_probability_difference']:.3g}, metric {result['largest_metric_difference']:.3g}."
        )
    else:
        lines.append(
            "**Not reproduced**: CI re-ran every stage from the inputs; these outputs differ from the author's:"
        )
    for stage in result["stages"]:
        for output in stage["outputs"]:
            if output["verdict"] != Verdict.IDENTICAL.value:
                lines.append(f"- `{output['path']}` ({stage['stage']}): {output['verdict']}; {output['detail']}")
        if stage["error"]:
            lines.append(f"- stage `{stage['stage']}`: {stage['error']}")
    lines += ["", "The evidence linked above is what CI computed and signed, not the author's outputs.", ""]
    return "\n".join(lines)

"""The previous release, recorded for the next report to compare against (EU AI Act Annex IV 1(c)).

A reviewer signing off a release must see what changed since the last one, not
only the new state. The report stage runs inside DVC and must not reach into
git tags on its own (``dvc.lock`` would no longer name everything its output
depends on), so the previous release is *recorded* in a committed, reviewed file,
``releases/previous.json``, by ``vigil release baseline --tag vX.Y.Z``, and the
report stage declares that file as a dependency.

Everything in the record comes from the tag's git objects (``params.yaml``,
``reports/metrics.json``, ``reports/policy.json``, ``dvc.lock``) and its predictions
from DVC, accepted only with the MD5 the tag's ``dvc.lock`` records. Record ids
are stored as truncated SHA-256 digests: enough to pair the same test notes,
not an identifier anyone can look up.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pandas as pd

from vigil.compliance.base_comparison import DIFF_METRICS, locked_predictions
from vigil.compliance.git_objects import git_readers, run_git
from vigil.compliance.lock_hashes import locked_outputs
from vigil.errors import VigilError
from vigil.io import dumps_json, write_text
from vigil.params import flatten
from vigil.yaml_text import load_yaml

BASELINE_FILE = "releases/previous.json"
SCHEMA = "vigil.release-baseline/1"
# dvc.lock outputs whose MD5 identifies the data, the split and the model of a release.
DIGEST_OUTPUTS = {
    "raw_data_md5": "data/interim/raw.parquet",
    "split_md5": "data/processed",
    "model_md5": "models/model",
}
KEY_HEX = 16
MAX_PAIRED_NOTES = 50_000


def pairing_key(record_id: Any) -> str:
    """A record id as a pairing key: the same note pairs across releases, the id itself is not stored."""
    return hashlib.sha256(str(record_id).encode("utf-8")).hexdigest()[:KEY_HEX]


def lock_digests(lock_text: str) -> dict[str, str | None]:
    """The MD5s of data, split and model a ``dvc.lock`` records (None when it does not)."""
    outputs = locked_outputs(lock_text)
    return {name: (outputs[path].md5 if path in outputs else None) for name, path in DIGEST_OUTPUTS.items()}


def prediction_rows(frame: pd.DataFrame, seed: int = 0) -> tuple[list[list[str]], int]:
    """``[key, y_true, y_pred]`` per test note (a seeded sample above ``MAX_PAIRED_NOTES``) and the total."""
    total = len(frame)
    if total > MAX_PAIRED_NOTES:
        frame = frame.sample(n=MAX_PAIRED_NOTES, random_state=seed)
    rows = [
        [pairing_key(i), str(t), str(p)]
        for i, t, p in zip(frame["record_id"], frame["y_true"], frame["y_pred"], strict=True)
    ]
    return sorted(rows), total


def record_baseline(root: Path, tag: str) -> dict[str, Any]:
    """The record of release ``tag``: parameters, metrics, verdict, digests and paired predictions."""
    resolved = run_git(root, "rev-parse", "--verify", f"{tag}^{{commit}}")
    if resolved.returncode != 0:
        raise VigilError(f"{tag}: not a tag or commit here (git fetch --tags)")
    commit = resolved.stdout.decode().strip()
    read_file, _ = git_readers(root, commit)
    params_bytes, metrics_bytes = read_file("params.yaml"), read_file("reports/metrics.json")
    if params_bytes is None or metrics_bytes is None:
        raise VigilError(f"{tag}: has no params.yaml or reports/metrics.json committed (not a Vigil release)")
    lock_text = (read_file("dvc.lock") or b"").decode("utf-8")
    metrics = flatten(json.loads(metrics_bytes))
    policy = json.loads(read_file("reports/policy.json") or b"{}")
    frame, why = locked_predictions(root, commit, lock_text)
    if frame is None:
        raise VigilError(f"{tag}: {why}; run `dvc pull` for that revision or `dvc fetch --rev {tag}` first")
    rows, total = prediction_rows(frame)
    date = run_git(root, "show", "-s", "--format=%cI", commit).stdout.decode().strip()
    return {
        "schema": SCHEMA,
        "release": {"tag": tag, "commit": commit, "date": date},
        "params": flatten(load_yaml(params_bytes) or {}),
        "params_sha256": hashlib.sha256(params_bytes).hexdigest(),
        "metrics": {key: metrics.get(key) for key, _ in DIFF_METRICS if key in metrics},
        "verdict": policy.get("verdict"),
        "digests": lock_digests(lock_text),
        "predictions": {"key": f"sha256(record_id)[:{KEY_HEX}]", "rows": rows, "test_notes": total},
    }


def write_baseline(root: Path, record: dict[str, Any]) -> Path:
    target = root / BASELINE_FILE
    write_text(target, dumps_json(record))
    return target


def load_baseline(root: Path) -> dict[str, Any] | None:
    """The recorded previous release, or None when none is recorded (the file says so, or is absent)."""
    path = root / BASELINE_FILE
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text("utf-8"))
    except ValueError as exc:
        raise VigilError(
            f"{BASELINE_FILE}: not JSON ({exc}); re-record it with `vigil release baseline --tag TAG`"
        ) from None
    if not isinstance(record, dict) or record.get("schema") != SCHEMA:
        raise VigilError(
            f"{BASELINE_FILE}: not a {SCHEMA} record; re-record it with `vigil release baseline --tag TAG`"
        )
    return record if record.get("release") else None

"""How far a re-computed output is from the committed one: identical, equal within tolerance, or different.

Byte equality is the strong claim, and the one to make wherever it holds. Where
it does not, the question an auditor asks is whether the difference is
floating-point noise (a BLAS kernel chosen by the CPU sums in another order) or
a real change. So each file type is compared by what it means: JSON, CSV and
Parquet number by number (strings, keys, shapes and labels must match exactly),
a model directory by its predictions on probe texts. Anything that cannot be
interpreted that way is "different" when its bytes differ.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from vigil.hashing import sha256_file


class Verdict(StrEnum):
    """Ordered from best to worst: a stage's verdict is the worst of its files'."""

    IDENTICAL = "identical"
    WITHIN_TOLERANCE = "equal within tolerance"
    DIFFERENT = "different"

    @property
    def rank(self) -> int:
        return list(Verdict).index(self)


@dataclass(frozen=True)
class Comparison:
    """One output file (or model directory) compared with its committed version."""

    path: str
    verdict: Verdict
    kind: str = "bytes"  # what was compared: bytes, metric, table, probability
    max_difference: float = 0.0
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "verdict": self.verdict.value,
            "kind": self.kind,
            "max_difference": self.max_difference if math.isfinite(self.max_difference) else None,
            "detail": self.detail,
        }


class _Mismatch(Exception):
    """A difference no tolerance can absorb (a key, a string, a shape, a label)."""


def worst(verdicts: Sequence[Verdict]) -> Verdict:
    return max(verdicts, key=lambda verdict: verdict.rank, default=Verdict.IDENTICAL)


def _numbers_apart(a: Any, b: Any, where: str) -> float:
    """Largest absolute difference between two JSON values of the same shape."""
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None or isinstance(a, str):
        if a != b:
            raise _Mismatch(f"{where or '/'}: {a!r} != {b!r}")
        return 0.0
    if isinstance(a, int | float) and isinstance(b, int | float):
        if math.isnan(a) and math.isnan(b):
            return 0.0
        return abs(float(a) - float(b))
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            raise _Mismatch(f"{where or '/'}: keys differ: {sorted(set(a) ^ set(b))}")
        return max((_numbers_apart(a[key], b[key], f"{where}/{key}") for key in a), default=0.0)
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            raise _Mismatch(f"{where or '/'}: {len(a)} items != {len(b)}")
        return max(
            (_numbers_apart(x, y, f"{where}/{i}") for i, (x, y) in enumerate(zip(a, b, strict=True))), default=0.0
        )
    raise _Mismatch(f"{where or '/'}: {type(a).__name__} != {type(b).__name__}")


def json_difference(committed: Path, reproduced: Path) -> float:
    return _numbers_apart(
        json.loads(committed.read_text(encoding="utf-8")), json.loads(reproduced.read_text(encoding="utf-8")), ""
    )


def table_difference(committed: Path, reproduced: Path) -> float:
    """Largest numeric difference between two tables with the same columns, rows and non-numeric cells."""
    import pandas as pd

    read = pd.read_parquet if committed.suffix == ".parquet" else pd.read_csv
    left, right = read(committed), read(reproduced)
    if list(left.columns) != list(right.columns) or left.shape != right.shape:
        raise _Mismatch(f"columns or shape differ: {left.shape} {list(left.columns)} vs {right.shape}")
    largest = 0.0
    for column in left.columns:
        a, b = left[column], right[column]
        if pd.api.types.is_numeric_dtype(a) and pd.api.types.is_numeric_dtype(b) and not pd.api.types.is_bool_dtype(a):
            both_missing = a.isna() & b.isna()
            if (a.isna() != b.isna()).any():
                raise _Mismatch(f"column {column!r}: missing values differ")
            gaps = (a[~both_missing].astype(float) - b[~both_missing].astype(float)).abs()
            largest = max(largest, float(gaps.max()) if len(gaps) else 0.0)
        elif not a.astype(str).equals(b.astype(str)):
            first = int((a.astype(str) != b.astype(str)).to_numpy().argmax())
            raise _Mismatch(f"column {column!r}, row {first + 1}: {a.iloc[first]!r} != {b.iloc[first]!r}")
    return largest


def model_difference(committed: Path, reproduced: Path, probe_texts: Sequence[str]) -> float:
    """Largest probability difference of two model directories on ``probe_texts``; any changed label is a mismatch.

    The model card is compared as JSON without its file digests: those differ
    whenever the weights' low bits do, which is what the probabilities measure.
    """
    from vigil.modeling import load_model
    from vigil.modeling.artifact import read_model_card

    cards = [read_model_card(directory) for directory in (committed, reproduced)]
    for card in cards:
        card.pop("files", None)
    card_gap = _numbers_apart(cards[0], cards[1], "model.json")
    if not probe_texts:
        raise _Mismatch("weights differ and there are no probe texts to compare their predictions on")
    left, right = load_model(committed), load_model(reproduced)
    p, q = left.predict_proba(list(probe_texts)), right.predict_proba(list(probe_texts))
    changed = (p.argmax(axis=1) != q.argmax(axis=1)).sum()
    if changed:
        raise _Mismatch(f"{changed} of {len(probe_texts)} probe texts change their predicted label")
    return max(card_gap, float(abs(p - q).max()))


def _comparer(path: Path) -> tuple[str, Callable[[Path, Path], float]] | None:
    if path.suffix == ".json":
        return "metric", json_difference
    if path.suffix in {".csv", ".parquet"}:
        return "table", table_difference
    return None


def compare_file(label: str, committed: Path, reproduced: Path, tolerance: float) -> Comparison:
    """Compare one file: bytes first, then by meaning for the types that have one."""
    if not reproduced.is_file():
        return Comparison(label, Verdict.DIFFERENT, detail="not produced by the re-run")
    if sha256_file(committed) == sha256_file(reproduced):
        return Comparison(label, Verdict.IDENTICAL)
    comparer = _comparer(committed)
    if comparer is None:
        return Comparison(label, Verdict.DIFFERENT, detail="bytes differ")
    kind, difference = comparer
    return _judged(label, kind, lambda: difference(committed, reproduced), tolerance)


def compare_model(
    label: str, committed: Path, reproduced: Path, probe_texts: Sequence[str], tolerance: float
) -> Comparison:
    return _judged(label, "probability", lambda: model_difference(committed, reproduced, probe_texts), tolerance)


def _judged(label: str, kind: str, measure: Callable[[], float], tolerance: float) -> Comparison:
    try:
        gap = measure()
    except _Mismatch as mismatch:
        return Comparison(label, Verdict.DIFFERENT, kind, math.inf, str(mismatch))
    if gap <= tolerance:
        return Comparison(label, Verdict.WITHIN_TOLERANCE, kind, gap, f"largest difference {gap:.3g}")
    return Comparison(label, Verdict.DIFFERENT, kind, gap, f"largest difference {gap:.3g} > tolerance {tolerance:g}")

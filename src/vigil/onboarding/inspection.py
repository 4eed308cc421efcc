"""A first look at a user's table: how to read it and which column is which, as guesses to confirm.

``vigil data init`` turns this into ``params/data/<name>.yaml``. Everything here
is a guess from names and values, so every guess carries the reason it was made
and the written config marks each one for the user to check; nothing is read
differently at run time because of it (the config, once written, is the contract).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pandas as pd

from vigil.data.file_sniffing import CANDIDATE_DELIMITERS, excel_kind, likely_encoding
from vigil.errors import VigilError

TextLike = TypeVar("TextLike", pd.DataFrame, pd.Series)
MIN_EXAMPLES_PER_LABEL = 3  # one per split
DATE_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y", "%m/%d/%Y", "%Y%m%d", "%d.%m.%Y")
_ID_NAMES = re.compile(r"(^|_)(id|key|record|ticket|number|numero|n[ou]m|os|order|ref)(_|$)", re.IGNORECASE)
_TEXT_NAMES = re.compile(r"text|note|comment|remark|descri|observ|narrative|texto|coment|relato", re.IGNORECASE)
_LABEL_NAMES = re.compile(r"label|failure|fault|mode|cause|class|categor|falha|causa|tipo|defect", re.IGNORECASE)
_DATE_NAMES = re.compile(r"date|time|created|opened|data|dt_|when", re.IGNORECASE)


@dataclass(frozen=True)
class Guess:
    """One column's guessed role and why."""

    column: str
    why: str


@dataclass(frozen=True)
class Inspection:
    """How to read the file, what its columns probably are, and its label counts."""

    path: str
    format: str
    encoding: str
    delimiter: str
    n_rows: int
    columns: tuple[str, ...]
    record_id: Guess | None
    text: Guess | None
    label: Guess | None
    created_at: Guess | None
    created_at_format: str | None
    groups: tuple[Guess, ...]
    label_counts: dict[str, int] = field(default_factory=dict)

    @property
    def rare_labels(self) -> dict[str, int]:
        return {k: v for k, v in self.label_counts.items() if v < MIN_EXAMPLES_PER_LABEL}


def _decode(raw: bytes) -> tuple[str, str]:
    """The text and the encoding that reads it: UTF-8 (BOM dropped), else the likely single-byte one."""
    try:
        return raw.decode("utf-8").removeprefix("\ufeff"), "utf-8"
    except UnicodeDecodeError:
        encoding = likely_encoding(raw)
        return raw.decode(encoding), encoding


def _delimiter(text: str) -> str:
    """The candidate that splits the first lines into the most, equally many, fields."""
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    best, width = ",", 1
    for candidate in CANDIDATE_DELIMITERS:
        counts = [len(row) for row in csv.reader(lines, delimiter=candidate)]
        if counts and all(c == counts[0] for c in counts) and counts[0] > width:
            best, width = candidate, counts[0]
    return best


def as_text(values: TextLike) -> TextLike:
    """Parquet values as the guesses see a CSV's: text, a missing value as None."""
    return values.astype("string").astype(object).where(values.notna(), None)


def read_for_inspection(path: Path) -> tuple[pd.DataFrame, str, str, str]:
    """The table as text columns, with the format, encoding and delimiter that read it."""
    raw = path.read_bytes()
    if not raw.strip():
        raise VigilError(f"{path}: file is empty")
    kind = excel_kind(raw)
    if kind:
        raise VigilError(f"{path}: is an Excel workbook (.{kind}): save the sheet as 'CSV UTF-8' or Parquet first")
    if raw.startswith(b"PAR1"):
        frame = pd.read_parquet(path)
        return as_text(frame), "parquet", "utf-8", ","
    text, encoding = _decode(raw)
    delimiter = _delimiter(text)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False, na_values=[""])
    except pd.errors.ParserError as exc:
        raise VigilError(f"{path}: cannot parse as CSV with {delimiter!r} ({exc})") from None
    return frame, "csv", encoding, delimiter


def _date_format(values: pd.Series) -> tuple[str | None, float]:
    """The format that parses most of ``values``, and the share it parses."""
    sample = values.dropna().astype(str).str.strip()
    sample = sample[sample != ""].head(500)
    if sample.empty:
        return None, 0.0
    best, share = None, 0.0
    for fmt in DATE_FORMATS:
        parsed = pd.to_datetime(sample, format=fmt, errors="coerce").notna().mean()
        if parsed > share:
            best, share = fmt, float(parsed)
    return best, share


@dataclass(frozen=True)
class _Stats:
    """Per column: its values (stripped text), distinct count, filled share and mean length."""

    n: int
    values: dict[str, pd.Series]
    distinct: dict[str, int]
    filled: dict[str, float]
    length: dict[str, float]

    @classmethod
    def of(cls, frame: pd.DataFrame) -> _Stats:
        n = len(frame)
        values = {str(c): frame[c].dropna().astype(str).str.strip() for c in frame.columns}
        return cls(
            n=n,
            values=values,
            distinct={c: int(v[v != ""].nunique()) for c, v in values.items()},  # a blank is no value
            filled={c: (len(v) - int((v == "").sum())) / n for c, v in values.items()},
            length={c: float(v.str.len().mean()) if len(v) else 0.0 for c, v in values.items()},
        )


def _best(candidates: list[str], key) -> str | None:  # noqa: ANN001 - a sort key
    return max(candidates, key=key) if candidates else None


def _guess_text(st: _Stats, taken: set[str]) -> Guess | None:
    texts = [c for c in st.values if c not in taken and st.length[c] >= 15 and st.filled[c] >= 0.9]
    column = _best(texts, lambda c: (bool(_TEXT_NAMES.search(c)), st.length[c]))
    return Guess(column, f"the longest values (mean {st.length[column]:.0f} characters)") if column else None


def _guess_id(st: _Stats, taken: set[str]) -> Guess | None:
    unique = [
        c for c in st.values if c not in taken and st.distinct[c] == st.n and st.filled[c] == 1.0 and st.length[c] < 40
    ]
    column = _best(unique, lambda c: (bool(_ID_NAMES.search(c)), -st.length[c]))
    return Guess(column, "every value present and unique") if column else None


def _guess_date(st: _Stats, taken: set[str]) -> tuple[Guess | None, str | None]:
    dates = {c: _date_format(st.values[c]) for c in st.values if c not in taken}
    parsed = [c for c, (_, share) in dates.items() if share >= 0.95]
    column = _best(parsed, lambda c: (bool(_DATE_NAMES.search(c)), dates[c][1]))
    if column is None:
        return None, None
    fmt, share = dates[column]
    return Guess(column, f"{share:.0%} of values parse as {fmt}"), fmt


def _guess_label(st: _Stats, taken: set[str]) -> Guess | None:
    most = max(2, min(200, st.n // 3))
    categorical = [c for c in st.values if c not in taken and 2 <= st.distinct[c] <= most and st.filled[c] >= 0.9]
    column = _best(categorical, lambda c: (bool(_LABEL_NAMES.search(c)), -abs(st.distinct[c] - 10)))
    if column is None:
        return None
    filled = st.filled[column]
    blanks = "every row filled" if filled == 1.0 else f"{1 - filled:.0%} of rows blank, which ingest refuses"
    return Guess(column, f"{st.distinct[column]} distinct values, {blanks}")


MAX_GROUP_GUESSES = 8  # a wide export (the FAA file has 181 columns) would otherwise propose dozens


def _guess_groups(st: _Stats, taken: set[str]) -> tuple[Guess, ...]:
    """Columns with a few well-filled values: candidates for the fairness audit, fewest groups first."""
    candidates = [c for c in st.values if c not in taken and 2 <= st.distinct[c] <= 50 and st.filled[c] >= 0.5]
    ranked = sorted(candidates, key=lambda c: (-st.filled[c], st.distinct[c]))[:MAX_GROUP_GUESSES]
    return tuple(Guess(c, f"{st.distinct[c]} groups") for c in sorted(ranked, key=list(st.values).index))


def inspect_table(path: Path) -> Inspection:
    """Read the file ``path`` and guess the roles of its columns (each guess with its reason)."""
    frame, fmt, encoding, delimiter = read_for_inspection(path)
    return inspect_frame(str(path), frame, fmt, encoding, delimiter)


def inspect_frame(path: str, frame: pd.DataFrame, fmt: str, encoding: str, delimiter: str) -> Inspection:
    """Guess the roles of ``frame``'s columns, read from ``path`` as ``fmt``/``encoding``/``delimiter``."""
    if len(frame) == 0 or len(frame.columns) < 2:
        columns = list(frame.columns)
        raise VigilError(f"{path}: needs a header and at least two columns (text and label); found {columns}")
    st = _Stats.of(frame)
    taken: set[str] = set()
    text = _guess_text(st, taken)
    taken |= {text.column} if text else set()
    record_id = _guess_id(st, taken)
    taken |= {record_id.column} if record_id else set()
    created_at, date_format = _guess_date(st, taken)
    taken |= {created_at.column} if created_at else set()
    label = _guess_label(st, taken)
    taken |= {label.column} if label else set()
    groups = _guess_groups(st, taken)
    labels = st.values[label.column] if label else pd.Series(dtype=str)
    counts = labels[labels != ""].value_counts().to_dict()
    return Inspection(
        path=path,
        format=fmt,
        encoding=encoding,
        delimiter=delimiter,
        n_rows=st.n,
        columns=tuple(st.values),
        record_id=record_id,
        text=text,
        label=label,
        created_at=created_at,
        created_at_format=date_format,
        groups=groups,
        label_counts={str(k): int(v) for k, v in counts.items()},
    )

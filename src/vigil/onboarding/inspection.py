"""A first look at a user's table: how to read it and which column is which, as guesses to confirm.

``vigil data init`` turns this into ``params/data/<name>.yaml``. Everything here
is a guess from names and values, so every guess carries the reason it was made
and the written config marks each one for the user to check; nothing is read
differently at run time because of it (the config, once written, is the contract).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pandas as pd

from vigil.data.csv_rows import BadRow, check_records, without_bad_records
from vigil.data.file_sniffing import CANDIDATE_DELIMITERS, excel_kind, likely_encoding
from vigil.data.header import HeaderVerdict, detect_header
from vigil.data.schema import DEFAULT_UNLABELLED_VALUES
from vigil.errors import VigilError
from vigil.onboarding.label_evidence import TextEvidence

TextLike = TypeVar("TextLike", pd.DataFrame, pd.Series)
MIN_EXAMPLES_PER_LABEL = 3  # one per split
DATE_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y", "%m/%d/%Y", "%Y%m%d", "%d.%m.%Y")
_ID_NAMES = re.compile(r"(^|_)(id|key|record|ticket|number|numero|n[ou]m|os|order|ref)(_|$)", re.IGNORECASE)
_TEXT_NAMES = re.compile(r"text|note|comment|remark|descri|observ|narrative|texto|coment|relato", re.IGNORECASE)
_LABEL_NAMES = re.compile(r"label|failure|fault|mode|cause|class|categor|falha|causa|defect|defeito|rotulo|r[oó]tulo")
_DATE_NAMES = re.compile(r"date|time|created|opened|data|dt_|when", re.IGNORECASE)
# A column literally named for its role is that role, whatever its values look like (short notes, a label of
# long phrases); these names, lower-cased with spaces and dashes as _, in English and Portuguese.
_EXACT_NAMES = {
    "text": {"text", "note", "notes", "comment", "comments", "remark", "remarks", "description", "narrative",
             "texto", "nota", "notas", "observacao", "observação", "comentario", "comentário", "descricao",
             "descrição", "relato"},
    "label": {"label", "labels", "class", "category", "target", "failure_mode", "failure", "cause", "fault",
              "defect", "rotulo", "rótulo", "classe", "categoria", "modo_de_falha", "modo_falha", "falha", "causa",
              "defeito", "y"},
    "record_id": {"id", "record_id", "ticket", "ticket_id", "key", "work_order", "order_id", "numero", "número"},
}  # fmt: skip
# Words of category columns that are *not* what a note is about: an order's type, its priority, its status.
_NOT_LABEL_NAMES = re.compile(r"type|kind|tipo|priorit|status|situa|stage|etapa|plant|site|region|shift|turno")


@dataclass(frozen=True)
class Guess:
    """One column's guessed role and why."""

    column: str
    why: str


def _name_strength(column: str, role: str, partial: re.Pattern[str] | None) -> int:
    """2: the column is named for the role; 1: its name contains a word of it; 0: neither."""
    key = re.sub(r"[\s\-]+", "_", column.strip().lower())
    if key in _EXACT_NAMES.get(role, set()):
        return 2
    return 1 if partial is not None and partial.search(column.lower()) else 0


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
    label_candidates: tuple[Guess, ...] = ()  # the three best, the guess first, each with its evidence
    unlabelled: dict[str, int] = field(default_factory=dict)  # label cells that mean "no label", per spelling
    header: bool = True  # False: the first row is a record (csv_options header: null, names: column_1 ...)
    header_doubt: tuple[str, ...] = ()  # evidence that the first row may be a record, when it is kept as the header
    bad_rows: tuple[BadRow, ...] = ()  # CSV records whose field count differs from the header's

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
    shape = read_shape(path)
    return shape.frame, shape.format, shape.encoding, shape.delimiter


@dataclass(frozen=True)
class TableShape:
    """How a file reads: its table as text, format, encoding, delimiter, header verdict and ragged records."""

    frame: pd.DataFrame
    format: str
    encoding: str
    delimiter: str
    header: HeaderVerdict = HeaderVerdict(True, ())
    bad_rows: tuple[BadRow, ...] = ()


def read_shape(path: Path) -> TableShape:
    """Read ``path`` as ``vigil data init`` sees it: a header or not, ragged records left out and listed."""
    raw = path.read_bytes()
    if not raw.strip():
        raise VigilError(f"{path}: file is empty")
    kind = excel_kind(raw)
    if kind:
        raise VigilError(f"{path}: is an Excel workbook (.{kind}): save the sheet as 'CSV UTF-8' or Parquet first")
    if raw.startswith(b"PAR1"):
        frame = pd.read_parquet(path)
        return TableShape(as_text(frame), "parquet", "utf-8", ",")
    text, encoding = _decode(raw)
    delimiter = _delimiter(text)
    records = [r for r in csv.reader(io.StringIO(text), delimiter=delimiter) if r and any(c.strip() for c in r)]
    verdict = detect_header(records)
    options: dict[str, object] = {"sep": delimiter}
    if not verdict.present:
        width = Counter(len(r) for r in records[:200]).most_common(1)[0][0]  # the rows', not a ragged one's
        options.update(header=None, names=[f"column_{i}" for i in range(1, width + 1)])
    checked = check_records(text, options)
    if checked.bad:
        text, _ = without_bad_records(checked, delimiter, options)
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""], **options)
    except pd.errors.ParserError as exc:
        raise VigilError(f"{path}: cannot parse as CSV with {delimiter!r} ({exc})") from None
    return TableShape(frame, "csv", encoding, delimiter, verdict, tuple(checked.bad))


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
    raw: dict[str, pd.Series]  # the column as read, aligned by row (missing values kept)
    values: dict[str, pd.Series]
    distinct: dict[str, int]
    filled: dict[str, float]
    length: dict[str, float]

    def distinct_labels(self, column: str) -> int:
        """Distinct values once the "no label" spellings are left out."""
        values = self.raw[column]
        return int(values[_is_labelled(values)].astype(str).str.strip().nunique())

    @classmethod
    def of(cls, frame: pd.DataFrame) -> _Stats:
        n = len(frame)
        values = {str(c): frame[c].dropna().astype(str).str.strip() for c in frame.columns}
        return cls(
            n=n,
            raw={str(c): frame[c].reset_index(drop=True) for c in frame.columns},
            values=values,
            distinct={c: int(v[v != ""].nunique()) for c, v in values.items()},  # a blank is no value
            filled={c: (len(v) - int((v == "").sum())) / n for c, v in values.items()},
            length={c: float(v.str.len().mean()) if len(v) else 0.0 for c, v in values.items()},
        )


def _best(candidates: list[str], key) -> str | None:  # noqa: ANN001 - a sort key
    return max(candidates, key=key) if candidates else None


def _guess_text(st: _Stats, taken: set[str]) -> Guess | None:
    strength = {c: _name_strength(c, "text", _TEXT_NAMES) for c in st.values}
    texts = [
        c
        for c in st.values
        if c not in taken
        and st.filled[c] >= 0.9
        and st.distinct[c] > st.n // 3  # notes are mostly distinct; a column of a few repeated values is a category
        and (st.length[c] >= 15 or (strength[c] == 2 and st.length[c] >= 3))
    ]
    column = _best(texts, lambda c: (strength[c], st.length[c]))
    if column is None:
        return None
    named = f"named {column!r}, " if strength[column] == 2 else ""
    return Guess(column, f"{named}the longest values (mean {st.length[column]:.0f} characters)")


def _guess_id(st: _Stats, taken: set[str]) -> Guess | None:
    unique = [
        c for c in st.values if c not in taken and st.distinct[c] == st.n and st.filled[c] == 1.0 and st.length[c] < 40
    ]
    column = _best(unique, lambda c: (_name_strength(c, "record_id", _ID_NAMES), -st.length[c]))
    return Guess(column, "every value present and unique") if column else None


def _guess_date(st: _Stats, taken: set[str]) -> tuple[Guess | None, str | None]:
    dates = {c: _date_format(st.values[c]) for c in st.values if c not in taken}
    parsed = [c for c, (_, share) in dates.items() if share >= 0.95]
    column = _best(parsed, lambda c: (bool(_DATE_NAMES.search(c)), dates[c][1]))
    if column is None:
        return None, None
    fmt, share = dates[column]
    return Guess(column, f"{share:.0%} of values parse as {fmt}"), fmt


MAX_LABEL_CANDIDATES = 8  # columns whose text evidence is measured (the notes are vectorised once; ~30 ms each)


def _label_name_strength(column: str) -> int:
    """As :func:`_name_strength`, and -1 for names of category columns a note is not about (type, priority)."""
    strength = _name_strength(column, "label", _LABEL_NAMES)
    return -1 if strength < 2 and _NOT_LABEL_NAMES.search(column.lower()) else strength


def _guess_labels(st: _Stats, taken: set[str], text: str | None) -> tuple[Guess, ...]:
    """The label candidates, best first: the name first, then how much of the column the notes explain.

    A label is a category set: a few distinct values, each repeated (not a near-unique id), mostly filled
    once the "no label" spellings are counted as blank.
    """
    most = max(2, min(200, st.n // 3))
    # Cheap filter first: a column's labels are at most its distinct values (less the "no label" spellings).
    candidates = [
        c for c in st.values if c not in taken and 2 <= st.distinct[c] <= most + len(DEFAULT_UNLABELLED_VALUES)
    ]
    distinct = {c: st.distinct_labels(c) for c in candidates}
    filled = {c: _labelled_share(st.raw[c], st.n) for c in candidates}
    categorical = [c for c in candidates if 2 <= distinct[c] <= most and filled[c] >= 0.3]
    strength = {c: _label_name_strength(c) for c in categorical}
    shortlist = sorted(categorical, key=lambda c: (-strength[c], abs(distinct[c] - 10)))
    explained: dict[str, float | None] = {}
    if text is not None:
        evidence = TextEvidence(st.raw[text])
        for column in shortlist[:MAX_LABEL_CANDIDATES]:
            explained[column] = evidence.explained(st.raw[column].where(_is_labelled(st.raw[column])))
    # Explained shares are compared in steps of 0.1: on notes that explain no column, sampling noise must not
    # decide; the number of distinct values (a label has about ten) does.
    ranked = sorted(
        shortlist,
        key=lambda c: (-strength[c], -round(explained[c], 1) if explained.get(c) is not None else 1.0,
                       abs(distinct[c] - 10)),
    )  # fmt: skip
    return tuple(
        Guess(c, _label_evidence(c, distinct[c], filled[c], strength[c], explained.get(c))) for c in ranked[:3]
    )


def _label_evidence(column: str, distinct: int, filled: float, strength: int, explained: float | None) -> str:
    parts = [f"{distinct} distinct values"]
    if strength == 2:
        parts.insert(0, f"named {column!r}")
    elif strength < 0:
        parts.append("its name reads as a type, priority or site, not what a note is about")
    if explained is not None:
        parts.append(f"the notes explain it {explained:.2f} (0 chance, 1 always)")
    parts.append("every row labelled" if filled == 1.0 else f"{1 - filled:.0%} of rows without a label, set aside")
    return ", ".join(parts)


def _is_labelled(values: pd.Series) -> pd.Series:
    """Not missing, not blank and not a "no label" spelling (``NA``, ``N/A``, ``NULL``, ``-``, ...)."""
    missing = {v.casefold() for v in DEFAULT_UNLABELLED_VALUES}
    return values.notna() & ~values.astype(str).str.strip().str.casefold().isin(missing)


def _labelled_share(values: pd.Series, n: int) -> float:
    return float(_is_labelled(values).sum()) / n if n else 0.0


MAX_GROUP_GUESSES = 8  # a wide export (the FAA file has 181 columns) would otherwise propose dozens


def _guess_groups(st: _Stats, taken: set[str]) -> tuple[Guess, ...]:
    """Columns with a few well-filled values: candidates for the fairness audit, fewest groups first."""
    candidates = [c for c in st.values if c not in taken and 2 <= st.distinct[c] <= 50 and st.filled[c] >= 0.5]
    ranked = sorted(candidates, key=lambda c: (-st.filled[c], st.distinct[c]))[:MAX_GROUP_GUESSES]
    return tuple(Guess(c, f"{st.distinct[c]} groups") for c in sorted(ranked, key=list(st.values).index))


def inspect_table(path: Path) -> Inspection:
    """Read the file ``path`` and guess the roles of its columns (each guess with its reason)."""
    shape = read_shape(path)
    found = inspect_frame(str(path), shape.frame, shape.format, shape.encoding, shape.delimiter)
    doubt = shape.header.evidence if shape.header.present else ()
    return dataclasses.replace(found, header=shape.header.present, header_doubt=doubt, bad_rows=shape.bad_rows)


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
    candidates = _guess_labels(st, taken, text.column if text else None)
    label = candidates[0] if candidates else None
    taken |= {label.column} if label else set()
    groups = _guess_groups(st, taken)
    labels = st.raw[label.column] if label else pd.Series(dtype=object)
    labelled = _is_labelled(labels)
    counts = labels[labelled].astype(str).str.strip().value_counts().to_dict()
    blank = labels[~labelled].map(lambda v: "(empty)" if pd.isna(v) or not str(v).strip() else str(v).strip())
    unlabelled = {str(k): int(v) for k, v in blank.value_counts().items()}
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
        label_candidates=candidates,
        unlabelled=unlabelled,
    )

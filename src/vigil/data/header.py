"""Is the first row of a CSV a header, or the first record? Evidence from the rows below it.

An export written without a header row was read with its first record as the
column names, silently: that record was lost and its values became the names a
person was asked to check. A header cell is a name, not a value: it does not
recur among the values of its column, is not a long sentence, and is not a
number or a date where the column holds numbers or dates. A first row whose
cells look like their columns' values is a record. With evidence from one cell
only, the first row is still taken as the header, and ``vigil data init`` says
why it is unsure on a ``# CHECK`` line.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

_NUMBER = re.compile(r"^[+-]?\d+([.,]\d+)?$")
_DATE = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}([ T]\d{1,2}:\d{2}(:\d{2})?)?$|^(19|20)\d{6}$")
LONG_VALUE = 30  # characters: a sentence, not a column name


@dataclass(frozen=True)
class HeaderVerdict:
    """Whether the first row is a header, and the evidence against it (cell descriptions, no values)."""

    present: bool
    evidence: tuple[str, ...]


def _kind(value: str) -> str:
    value = value.strip()
    if _DATE.match(value):
        return "date"
    if _NUMBER.match(value):
        return "number"
    return "text"


def _looks_like_a_value(position: int, cell: str, below: Sequence[Sequence[str]]) -> str | None:
    """Why ``cell`` (column ``position`` of the first row) reads as a value of its column, or None."""
    values = [row[position].strip() for row in below if position < len(row) and row[position].strip()]
    cell = cell.strip()
    if not cell or not values:
        return None
    if cell in values:
        return f"column {position + 1}'s first cell recurs among its values"
    if len(cell) >= LONG_VALUE and " " in cell:
        return f"column {position + 1}'s first cell is a sentence ({len(cell)} characters)"
    kinds = [_kind(v) for v in values]
    kind = _kind(cell)
    if kind != "text" and kinds.count(kind) >= 0.9 * len(kinds):
        return f"column {position + 1}'s first cell is a {kind}, like its values"
    return None


def detect_header(records: Sequence[Sequence[str]], sample: int = 200) -> HeaderVerdict:
    """The verdict on ``records[0]`` from up to ``sample`` records below it."""
    if len(records) < 2:
        return HeaderVerdict(True, ())
    first, below = list(records[0]), records[1 : 1 + sample]
    widths = Counter(len(row) for row in below)
    width = widths.most_common(1)[0][0]
    reasons = []
    if len(first) > width:
        # One field too many, as an unquoted delimiter inside the note makes: the cells after the split still
        # line up with their columns from the right.
        reasons.append(f"the first row has {len(first)} fields where the rows below have {width}")
        first = first[len(first) - width :]
    reasons += [r for i, cell in enumerate(first) if (r := _looks_like_a_value(i, cell, below))]
    names = [cell.strip() for cell in first]
    if len(set(names)) < len(names):
        reasons.append("the first row repeats a value, which column names do not")
    return HeaderVerdict(len(reasons) < 2, tuple(reasons))

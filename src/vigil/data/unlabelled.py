"""Records without a label: the spellings exports use for "no value", counted and set aside.

A label column of a real export says "nothing recorded" in many ways: an empty
cell, ``NA`` (R, pandas), ``N/A`` and ``#N/A`` (spreadsheets), ``NULL`` (SQL
dumps), ``-``. Read as text they become a class, and one real file had 58 % of
its records in a class ``NA`` meaning "no failure mode recorded": the model
learnt to predict "unknown" and the report scored it. Such records carry no
label to learn from, so ingest sets them aside (counted per spelling in
``reports/data_quality.json`` and said in the report), like the labels dropped
as rare. ``data.unlabelled_values`` lists the spellings; an empty list makes
each of them a class again (an empty cell is then an error, as before).
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from vigil.data.schema import DEFAULT_UNLABELLED_VALUES, LABEL
from vigil.errors import DataValidationError

__all__ = ["DEFAULT_UNLABELLED_VALUES", "UNLABELLED", "add_counts", "mark_unlabelled", "raise_all_unlabelled"]

# The one internal value every spelling becomes, so the records travel with the batch (keeping the source row
# numbers of the records around them) and are dropped by label like a rare label after the last batch.
UNLABELLED = "\x00unlabelled"


def mark_unlabelled(frame: pd.DataFrame, spellings: Iterable[str]) -> tuple[pd.DataFrame, dict[str, int]]:
    """``frame`` with unlabelled records' label set to :data:`UNLABELLED`, and the count of each spelling met."""
    wanted = {str(s).strip().casefold() for s in spellings}
    if not wanted:
        return frame, {}
    labels = frame[LABEL]
    shown = labels.map(lambda v: "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v).strip())
    missing = shown.str.casefold().isin(wanted)
    if not missing.any():
        return frame, {}
    counts = {("(empty)" if k == "" else str(k)): int(n) for k, n in shown[missing].value_counts().items()}
    return frame.assign(**{LABEL: labels.where(~missing, UNLABELLED)}), counts


def raise_all_unlabelled(path: str, source_column: str, spellings: dict[str, int]) -> None:
    """Every record was set aside: nothing to train on, which is a configuration slip, not a dataset."""
    listed = ", ".join(f"{spelling!r} ({n:,})" for spelling, n in sorted(spellings.items(), key=lambda kv: -kv[1]))
    raise DataValidationError(
        path,
        f"no record has a label: every value is one of data.unlabelled_values ({listed}); is it the label column?",
        column=source_column,
    )


def add_counts(total: dict[str, int], batch: dict[str, int]) -> None:
    for spelling, n in batch.items():
        total[spelling] = total.get(spelling, 0) + n

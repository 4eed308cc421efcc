"""Record ids for a file that has none: a hash of the note plus its occurrence, stable across re-exports.

Every later stage joins on ``record_id`` (predictions, explanations, the paired
comparison with ``main``, feedback from production), so an export without an id
column used to need editing by hand. A row number would do for one file but not
for the next export of the same table, where rows move; the id here is the
first 16 hex digits of the note's BLAKE2b digest and the note's occurrence in
file order (``3fa9c2d1e4b5a6f7-1``, ``…-2`` for its first copy), so a note keeps
its id wherever it moves and copies of a note get distinct ids.

The digest is of the raw note, so whoever holds a candidate note can test
whether it is in the data (as with any unsalted hash); the id itself reveals no
word of it. ``columns.record_id: null`` asks for this; the data-quality report
says so (``source.record_id``).
"""

from __future__ import annotations

import hashlib
from collections.abc import MutableMapping

import pandas as pd

DERIVED = "(derived: note digest + occurrence)"  # how errors and the report name the id "column"


def derive_ids(texts: pd.Series, seen: MutableMapping[str, int]) -> pd.Series:
    """An id per note: digest and occurrence, counting occurrences across batches in ``seen``."""
    ids = []
    for text in texts:
        digest = hashlib.blake2b(("" if text is None else str(text)).encode(), digest_size=8).hexdigest()
        seen[digest] = seen.get(digest, 0) + 1
        ids.append(f"{digest}-{seen[digest]}")
    return pd.Series(ids, index=texts.index, dtype=object)

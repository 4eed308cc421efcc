"""Did any evaluation note leak into training? Counted on the split as written, by its own rule.

This check does not reuse the grouping the split allocates by
(:mod:`vigil.data.duplicate_groups`): it compares the written splits' texts
with a separate, simpler normal form (lower case, word characters joined by one
space) and exactly, so a bug in the grouping (or a grouping turned off in a
fork) shows as a count here instead of passing unnoticed. Counts only: no text
leaves this module.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import pandas as pd

from vigil.data.schema import TEXT

_WORDS = re.compile(r"\w+")


def _words_only(text: str) -> str:
    return " ".join(_WORDS.findall(text.lower()))


def _records_seen_in(texts: Iterable[str], seen: set[str]) -> int:
    return sum(1 for text in texts if text in seen)


def split_leakage(parts: Mapping[str, pd.DataFrame]) -> dict[str, int | str]:
    """Validation and test records whose text (exactly, or in words only) is also a training text."""
    train_exact = set(parts["train"][TEXT])
    train_words = {_words_only(t) for t in train_exact}
    result: dict[str, int | str] = {
        "method": "a validation or test note whose text, exactly or as its lower-case words, is also a training note"
    }
    for name in ("val", "test"):
        texts = parts[name][TEXT].tolist()
        exact = _records_seen_in(texts, train_exact)
        words = _records_seen_in((_words_only(t) for t in texts), train_words)
        result[f"{name}_records_in_train"] = max(exact, words)
        result[f"{name}_records_in_train_exact"] = exact
    return result

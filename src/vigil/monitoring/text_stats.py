"""Per-text statistics recorded at serving time and recomputed on the reference data.

Both sides must tokenise identically, so the one tokeniser lives here. The
vocabulary is the model's own word vocabulary (unigrams of the TF-IDF word
block): a word the model never saw is out of vocabulary. Families without a
word vocabulary record no OOV count (drift then skips that check and says so).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class TextStats:
    chars: int
    words: int
    oov: int | None


def model_vocabulary(model: Any) -> frozenset[str] | None:
    """Lower-cased unigrams of the model's word TF-IDF block, or None for other families."""
    vectorizers = getattr(model, "vectorizers", None)
    if vectorizers is None:
        return None
    for name, vectorizer in vectorizers():
        if name == "word":
            return frozenset(term for term in vectorizer.vocabulary_ if " " not in term)
    return None


def text_stats(text: str, vocabulary: frozenset[str] | None) -> TextStats:
    words = [w.lower() for w in WORD.findall(text)]
    oov = None if vocabulary is None else sum(w not in vocabulary for w in words)
    return TextStats(chars=len(text), words=len(words), oov=oov)

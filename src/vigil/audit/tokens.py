"""The unit of an explanation: whitespace-delimited words of the scrubbed text.

Every explainer attributes to the same units, so a reviewer reads linear and
transformer explanations the same way and the PDF can highlight them in place:
a local explanation is the text's words in order, each with a weight, and
joining the words with single spaces gives the text back (modulo repeated
whitespace). Global rankings fold case and strip surrounding punctuation so
"Brake," and "brake" count as one token.
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"\S+")
_EDGE_PUNCTUATION = re.compile(r"^[^\w<>#/]+|[^\w<>#/]+$")


def word_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` offsets of every whitespace-delimited word."""
    return [m.span() for m in _WORD.finditer(text)]


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def normalise(token: str) -> str:
    """Case-folded, accent-folded token without surrounding punctuation ('' when nothing is left)."""
    folded = unicodedata.normalize("NFKD", token.casefold())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return _EDGE_PUNCTUATION.sub("", folded)

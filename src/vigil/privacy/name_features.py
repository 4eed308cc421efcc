"""What the scrubber's learned name model sees of a word: itself, its shape, its frequency, the lexicon.

A token's features are the sum of its neighbours' features at each offset
(-2..+2), and every neighbour's features depend only on the word, the offset
and the case of the note (mixed, all capitals, all lower case). So the model's
score of a token is a sum of per-(offset, word, case) numbers that can be
cached per word type (:mod:`vigil.privacy.name_model`): a note costs a few
dictionary look-ups per token, not a feature extraction.

The case of the note is part of every shape feature: in mixed-case text a
capital is evidence, in ALL-CAPS or lower-case text it says nothing, and the
model learns one weight per case (training adds upper- and lower-case copies
of the corpora's sentences). Word identity, frequency (wordfreq) and the name
lexicon carry the evidence when case cannot.
"""

from __future__ import annotations

import functools
import re

from vigil.privacy.lexicon import fold, is_first_name, is_surname, word_zipf

OFFSETS = (-2, -1, 0, 1, 2)
BOUNDARY = "\x00"  # the pseudo-word before the first and after the last token
TOKEN = re.compile(r"\w+(?:['’.-]\w+)*|[^\w\s]", re.UNICODE)


def note_case(text: str) -> str:
    """``M`` (mixed case), ``U`` (no lower-case letter) or ``L`` (no capital letter)."""
    has_upper = any(c.isupper() for c in text)
    has_lower = any(c.islower() for c in text)
    if has_upper and has_lower:
        return "M"
    return "U" if has_upper else "L"


def shape(word: str) -> str:
    """A coarse shape: ``Xx`` capitalised, ``XX`` capitals, ``x`` lower, ``d`` digits, ``Xd`` mixed, or punctuation."""
    if word == BOUNDARY:
        return "<>"
    if not any(c.isalnum() for c in word):
        return word[:1]
    if any(c.isdigit() for c in word):
        return "d" if word.isdigit() else "Xd"
    if word.isupper():
        return "X" if len(word) == 1 else "XX"
    if word[0].isupper():
        return "Xx." if word.endswith(".") else "Xx"
    return "x" if word.islower() else "xX"


def _zipf_band(key: str) -> str:
    zipf = word_zipf().get(key)
    if zipf is None:
        return "rare"
    return "z<3" if zipf < 3 else "z<3.5" if zipf < 3.5 else "z<4.5" if zipf < 4.5 else "z<5.5" if zipf < 5.5 else "z+"


def _lexicon(key: str) -> str:
    first, last = is_first_name(key), is_surname(key)
    return "both" if first and last else "first" if first else "last" if last else "none"


@functools.lru_cache(maxsize=200_000)
def word_features(word: str, offset: int, case: str) -> tuple[str, ...]:
    """Features of ``word`` seen at ``offset`` from the token being classified, in a note of ``case``.

    Cached: the corpora repeat words, and each is read at five offsets.
    """
    if word == BOUNDARY:
        return (f"{offset}|<>",)
    key = fold(word)
    kind = shape(word)
    features = [f"{offset}|w={key}", f"{offset}|s={kind}|{case}"]
    if abs(offset) <= 1:
        features += [f"{offset}|z={_zipf_band(key)}", f"{offset}|lex={_lexicon(key)}"]
        features.append(f"{offset}|s={kind}|z={_zipf_band(key)}|{case}")
    if offset == 0:
        features += [
            f"suf3={key[-3:]}",
            f"suf2={key[-2:]}",
            f"pre3={key[:3]}",
            f"len={min(len(key), 12)}",
            f"lex={_lexicon(key)}|s={kind}|{case}",
        ]
    return tuple(features)


def tokens(text: str) -> list[re.Match[str]]:
    """The tokens the model classifies (words, numbers, single punctuation marks)."""
    return list(TOKEN.finditer(text))

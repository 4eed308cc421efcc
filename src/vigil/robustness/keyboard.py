"""Keyboard slips: the typo a technician makes on a physical or phone keyboard.

A typo lands on a neighbouring key far more often than on a random letter, so a
model that has only seen clean spellings is tested with the errors people make,
not with noise no one types. The layout is QWERTY, which both the US and the
Brazilian ABNT2 keyboards share for letters.
"""

from __future__ import annotations

import random
import unicodedata

_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


def _neighbours() -> dict[str, str]:
    """Each letter's horizontal and diagonal neighbours on the QWERTY layout."""
    position = {ch: (r, c) for r, row in enumerate(_ROWS) for c, ch in enumerate(row)}
    near: dict[str, str] = {}
    for ch, (r, c) in position.items():
        keys = []
        for other, (r2, c2) in position.items():
            # rows are staggered by about half a key: the row below sits half a key to the right
            offset = c2 - c + (r2 - r) * 0.5
            if other != ch and abs(r2 - r) <= 1 and abs(offset) <= 1.0:
                keys.append(other)
        near[ch] = "".join(sorted(keys))
    return near


NEIGHBOURS: dict[str, str] = _neighbours()


def _base_letter(ch: str) -> str:
    """'ã' -> 'a': an accented letter is typed from its base key."""
    decomposed = unicodedata.normalize("NFKD", ch.lower())
    return decomposed[0] if decomposed else ch.lower()


def _near_key(rng: random.Random, ch: str) -> str:
    options = NEIGHBOURS.get(_base_letter(ch))
    if not options:
        return ch
    hit = rng.choice(options)
    return hit.upper() if ch.isupper() else hit


def keyboard_typo(rng: random.Random, word: str) -> str:
    """One slip inside ``word``: a neighbouring key, a dropped, doubled or swapped letter.

    The first letter is kept (people rarely mistype it, and it keeps the word
    recognisable, as real typos are); words under four letters are returned as-is.
    """
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.random()
    if kind < 0.5:
        return word[:i] + _near_key(rng, word[i]) + word[i + 1 :]
    if kind < 0.7:
        return word[:i] + word[i + 1 :]
    if kind < 0.85:
        return word[:i] + word[i] + word[i:]
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]

"""Person names from a lexicon and cue words: the signal that does not depend on NER or on case.

Measured on this project's notes, spaCy's ``en_core_web_sm`` finds about a third
of the names in ALL-CAPS text, and none in lower case. Names are recognised
here from a lexicon of first names and surnames (US English and Brazilian /
European Portuguese, from Faker's locale data) plus cue words technicians write
before a name ("cliente", "Sr.", "customer", "owner"), case-insensitively:

* first name + surname(s)                    -> PERSON (0.85)
* cue word + first name or surname(s)        -> PERSON (0.75)
* cue word + Capitalised words (mixed case)  -> PERSON (0.6)
* first name + capitalised unknown word       -> PERSON (0.7)
* a name word that is not an everyday word   -> PERSON (0.55)
* a capitalised first name in mixed case     -> PERSON (0.5)
* a capitalised unknown word with a surname ending ("-sson", "-ova", "-ski") -> PERSON (0.55)
* Capitalised word + capital initial + Capitalised word -> PERSON (0.7)
* two adjacent capitalised words that are rare in English and Portuguese -> PERSON (0.5)

Particles continue a name ("Maria das Graças", "João da Silva"). A lone
name word that is also an everyday word ("Will", "Mark", "Rosa", "Costa")
is left to spaCy NER, which sees its context (:mod:`.ner_person`). This
recognizer is an extra signal beside NER, not the only one; the lexicon
itself is :mod:`vigil.privacy.lexicon`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vigil.privacy.lexicon import (
    CUE_WORDS,
    DEVOTIONAL,
    HONORIFICS,
    PARTICLES,
    VOCABULARY_ENDING,
    all_names,
    everyday_words,
    fold,
    is_everyday_word,
    is_rare_word,
    is_typo_of_everyday_word,
    name_lexicon,
    reads_as_name,
)
from vigil.privacy.recognizers.base import SpanFunctionRecognizer

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
# Surname endings shared by many languages (patronymics, Slavic, Nordic, Germanic, Armenian, Georgian...):
# an unknown capitalised word with one of them is a surname far more often than anything else.
_SURNAME_ENDING = re.compile(
    r"(?:sson|dottir|dóttir|sen|ov|ova|ev|eva|yev|yeva|ski|ska|sky|cki|cka|ic|ić|vich|enko|escu|poulos|oglu|oğlu"
    r"|ishvili|dze|yan|stein|mann|berg|ström|strom|qvist|kvist|gaard|gård)$",
    re.IGNORECASE,
)
_INITIAL_NAME = re.compile(r"\b[A-ZÀ-Ý][a-zà-ÿ]{1,}\s+[A-ZÀ-Ý]\.?\s+[A-ZÀ-Ý][a-zà-ÿ]+(?:[-'][A-ZÀ-Ý]?[a-zà-ÿ]+)?\b")
_MAX_RUN = 5  # tokens in one name
_MAX_GAP = 2  # characters between tokens of one name (a space, or ". ")


@dataclass(frozen=True, slots=True)
class _Token:
    start: int
    end: int
    key: str
    capitalised: bool


def _tokens(text: str) -> list[_Token]:
    out = []
    for match in _WORD.finditer(text):
        word = match.group()
        out.append(_Token(match.start(), match.end(), fold(word), word[0].isupper() and not word.isupper()))
    return out


def _unlisted_first_name(tokens: list[_Token], i: int, last: frozenset[str], cue: bool) -> bool:
    """Token i is a word outside the lexicon followed by one surname after a cue, or two surnames."""
    if is_everyday_word(tokens[i].key) or len(tokens[i].key) < 3:
        return False
    following = 0
    for k in range(i + 1, min(len(tokens), i + 3)):
        if tokens[k].key not in last or tokens[k].start - tokens[k - 1].end > 1:
            break
        following += 1
    return following >= 2 or (cue and following >= 1)


def _after_particle(key: str, last: frozenset[str]) -> bool:
    """A word that continues a name after "da"/"dos"/"van": a surname, a devotional name, or an unknown word."""
    return key in last or key in DEVOTIONAL or (len(key) > 2 and not is_everyday_word(key))


def _capitalised_unknown(tokens: list[_Token], k: int, mixed_case: bool) -> bool:
    """Token k follows directly, is capitalised (in mixed case) and reads as a name: no word, typo or word form."""
    return (
        k < len(tokens)
        and tokens[k].start - tokens[k - 1].end <= 1
        and (tokens[k].capitalised or not mixed_case)
        and reads_as_name(tokens[k].key, min_length=3 if tokens[k].capitalised else 4)
    )


def _unknown_surname(token: _Token) -> bool:
    return len(token.key) > 4 and not is_everyday_word(token.key) and _SURNAME_ENDING.search(token.key) is not None


def _rare_name_like(key: str) -> bool:
    return reads_as_name(key)


def _rare_capitalised(token: _Token) -> bool:
    return (
        token.capitalised and len(token.key) > 2 and is_rare_word(token.key) and not VOCABULARY_ENDING.search(token.key)
    )


def find_names(text: str) -> list[tuple[int, int, float, str]]:
    """(start, end, score, rule) for every name found in ``text``."""
    first, last = name_lexicon()
    known = all_names()
    mixed_case = not text.isupper() and not text.islower()
    tokens = _tokens(text)
    found: list[tuple[int, int, float, str]] = []
    i = 0
    while i < len(tokens):
        cue = i > 0 and tokens[i - 1].key in CUE_WORDS and tokens[i].start - tokens[i - 1].end <= _MAX_GAP
        if not cue and tokens[i].key not in known and is_everyday_word(tokens[i].key):
            i += 1  # fast path: vocabulary starts no name without a cue (every rule below needs more)
            continue
        j = i + 1
        while j < len(tokens) and j - i < _MAX_RUN and tokens[j].start - tokens[j - 1].end <= 1:
            if tokens[j].key in known and tokens[j].key not in CUE_WORDS:
                j += 1
            elif tokens[j].key in PARTICLES and j + 1 < len(tokens) and _after_particle(tokens[j + 1].key, last):
                j += 2
            else:
                break
        run = tokens[i:j]
        key = tokens[i].key
        if key in first and any(t.key in last for t in run[1:]):
            found.append((run[0].start, run[-1].end, 0.85, "first+surname"))
        elif _unlisted_first_name(tokens, i, last, cue):
            # An unlisted first name before surname(s): "Sra. Aline Almeida", "aline fernandes lima".
            k = i + 1
            while (
                k < len(tokens)
                and k - i < _MAX_RUN
                and tokens[k].key in last
                and tokens[k].start - tokens[k - 1].end <= 1
            ):
                k += 1
            run = tokens[i:k]
            found.append((run[0].start, run[-1].end, 0.7, "word+surnames"))
        elif cue and key in known:
            found.append((run[0].start, run[-1].end, 0.75, "cue+lexicon"))
        elif cue and _rare_name_like(key):
            # "cliente tomomi nishiyama": after a cue, words no dictionary knows (and no typo of one) are a name.
            k = i + 1
            while (
                k < len(tokens)
                and k - i < 3
                and _rare_name_like(tokens[k].key)
                and tokens[k].start - tokens[k - 1].end <= 1
            ):
                k += 1
            run = tokens[i:k]
            found.append((run[0].start, run[-1].end, 0.65, "cue+rare words"))
        elif cue and tokens[i - 1].key in HONORIFICS and not is_everyday_word(key) and len(key) > 2:
            # "MR. HATTER", "Sra. Ivatônia": after an honorific any word that is not vocabulary is a name.
            found.append((tokens[i].start, tokens[i].end, 0.7, "honorific+word"))
            run = tokens[i : i + 1]
        elif key in first and _capitalised_unknown(tokens, i + 1, mixed_case):
            # A first name before a capitalised word no dictionary knows: "Crystal Murdock", "Tomomi Nishiyama".
            found.append((run[0].start, tokens[i + 1].end, 0.7, "first+unknown"))
            run = tokens[i : i + 2]
        elif (
            key in known
            and key not in everyday_words()
            and (tokens[i].capitalised or (not mixed_case and len(key) > 4))
            and not is_typo_of_everyday_word(key)
        ):
            # A rare name word alone ("Natasja", "Borkowski"): no everyday sense that could be meant instead.
            # In capitals a short one is as often a code ("BOS", "LEW") and a clipped word ("ENGIN") is a word.
            found.append((run[0].start, run[-1].end, 0.55, "rare lexicon name"))
        elif mixed_case and tokens[i].capitalised and _unknown_surname(tokens[i]):
            found.append((run[0].start, run[-1].end, 0.55, "surname ending"))
        elif (
            mixed_case
            and _rare_capitalised(tokens[i])
            and i + 1 < len(tokens)
            and _rare_capitalised(tokens[i + 1])
            and (tokens[i + 1].start - tokens[i].end == 1)
        ):
            # Two adjacent capitalised words no dictionary or lexicon knows: "Tomomi Nishiyama", "Gyala Antall".
            found.append((tokens[i].start, tokens[i + 1].end, 0.5, "two rare capitalised words"))
            run = tokens[i : i + 2]
        elif key in first and mixed_case and tokens[i].capitalised:
            # A first name capitalised in edited text ("Megan", "Antonio"); first names that are also
            # words of notes ("Will", "Mark", "Rosa") are not in the lexicon (see vigil.privacy.lexicon).
            found.append((run[0].start, run[-1].end, 0.5, "capitalised first name"))
        elif cue and mixed_case and tokens[i].capitalised and not is_everyday_word(key) and key not in CUE_WORDS:
            k = i + 1
            while k < len(tokens) and k - i < 3 and tokens[k].capitalised and tokens[k].start - tokens[k - 1].end <= 1:
                k += 1
            run = tokens[i:k]
            found.append((run[0].start, run[-1].end, 0.6, "cue+capitalised"))
        else:
            i += 1
            continue
        i += len(run)
    # "Faina D. Yefremova", "Mijail C Adomo": a capitalised word, a capital initial, a capitalised word.
    found += [(m.start(), m.end(), 0.7, "name with initial") for m in _INITIAL_NAME.finditer(text) if mixed_case]
    return found


class PersonNameRecognizer(SpanFunctionRecognizer):
    """Lexicon- and cue-based PERSON recognizer, case-insensitive (complements spaCy NER)."""

    ENTITY = "PERSON"
    FIND = find_names

    def load(self) -> None:
        name_lexicon()

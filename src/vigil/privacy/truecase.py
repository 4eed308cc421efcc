"""Case normalisation for NER: make ALL-CAPS and lower-case notes look like edited text.

spaCy's English NER learned names from edited, mixed-case text; in
"ALINE MARTINS DEIXOU O CARRO" or "aline martins deixou o carro" it sees no
capital letter that marks a name and finds (almost) nothing. Technicians
write a large share of notes in one case, so names would be missed exactly
where they are most often written.

``truecase`` rewrites such a note the way an editor would: everyday words in
lower case, name words and unknown words (rare surnames, but also codes)
capitalised, the first word of a sentence capitalised. Every character keeps
its offset (characters whose case mapping changes length are left alone), so
NER spans on the rewritten text are spans of the original. In mixed-case
notes only ALL-CAPS words are rewritten (names in capitals inside edited
text: "Relator: ARNOLDO CAMANHO").
"""

from __future__ import annotations

import re

from vigil.privacy.lexicon import fold, is_everyday_word

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_SENTENCE_ENDS = ".!?:;\n"


def is_single_case(text: str) -> bool:
    """No mix of upper and lower case letters: the note carries no case information."""
    return text.isupper() or text.islower()


def _same_length(original: str, rewritten: str) -> str:
    return rewritten if len(rewritten) == len(original) else original


def _capitalised(word: str) -> str:
    return _same_length(word, word[0].upper() + word[1:].lower()) if len(word) > 1 else word.upper()


def _uninformative(word: str) -> bool:
    """An ALL-CAPS word of two letters or more: its capitals say nothing about it being a name."""
    return len(word) > 1 and word.isupper()


def truecase(text: str) -> str:
    """``text`` with editorial casing where its case carries no information.

    A single-case note is rewritten whole. In a mixed-case note only the
    ALL-CAPS words are ("Relator: ARNOLDO CAMANHO", "cliente JOAO SILVA"):
    lower-case words there are ordinary words, capitalised ones already say
    what they are.
    """
    single_case = is_single_case(text)
    out = list(_same_length(text, text.lower())) if single_case else list(text)
    for match in _WORD.finditer(text):
        word = match.group()
        if not single_case and not _uninformative(word):
            continue
        before = text[max(0, match.start() - 8) : match.start()].rstrip(" \t")
        sentence_start = single_case and (match.start() == 0 or not before or before[-1] in _SENTENCE_ENDS)
        if sentence_start or not is_everyday_word(fold(word)):
            out[match.start() : match.end()] = _capitalised(word)
        elif not single_case:
            out[match.start() : match.end()] = _same_length(word, word.lower())
    rewritten = "".join(out)
    return rewritten if len(rewritten) == len(text) else text

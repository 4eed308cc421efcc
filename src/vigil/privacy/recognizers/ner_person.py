"""spaCy PERSON entities, trimmed to the words that can be part of a name.

The English NER model runs on every note (single-case notes are truecased
first, see :mod:`vigil.privacy.truecase`). It tags names it never saw, which
is why it is the primary name detector, but it also tags Title-Case technical
phrases ("Oil Leak", "Coolant Leak"), sentence-initial words ("Chassi") and
places ("emplacado em São Paulo"). Each span is therefore trimmed of everyday
words at its edges and kept only with evidence that a person is meant:

* in a mixed-case note, every word is capitalised and either one is a
  lexicon first name or surname, or all are unknown words (a rare or foreign
  name the lexicon lacks) without the ending of an English or Portuguese
  noun or adjective ("Previdenciária", "Inconstitucionalidade" are jargon);
* in a single-case note (capitals say nothing there, and the truecaser
  capitalised codes and abbreviations itself) the lexicon must vouch, see
  :func:`_single_case_evidence`;
* or the learned name model (:mod:`vigil.privacy.name_model`, trained on real
  text) vouches: one of the span's tokens reaches ``scrub.name_model.vouch_threshold``;
  the span is then cut to its capitalised words (:func:`capitalised_core`).
  This is what keeps names that are also words ("Price", "Summer") and lone
  surnames the lexicon lacks, which NER finds and the lexicon cannot confirm.
"""

from __future__ import annotations

import re

from presidio_analyzer import RecognizerResult
from presidio_analyzer.predefined_recognizers import SpacyRecognizer

from vigil.privacy.lexicon import (
    PARTICLES,
    VOCABULARY_ENDING,
    fold,
    is_distinctive_name,
    is_everyday_word,
    is_first_name,
    is_name_word,
    is_rare_word,
    is_unknown_word,
)
from vigil.privacy.recognizers.learned_person import token_probabilities
from vigil.privacy.truecase import is_single_case

_TOKEN = re.compile(r"\S+")
_EDGE_PUNCT = ",;:!?\"'()[]{}"


def _is_initial(word: str) -> bool:
    """ "C." or "C": a capital letter standing for a name (a lower-case "e" is a word: Portuguese "and")."""
    return len(word.rstrip(".")) == 1 and word[0].isupper()


def _words(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    """Whitespace tokens of the span without edge punctuation; a token with a digit ends the name."""
    words = []
    for match in _TOKEN.finditer(text, start, end):
        token = match.group()
        left = len(token) - len(token.lstrip(_EDGE_PUNCT))
        core = token.strip(_EDGE_PUNCT)
        if not core or any(c.isdigit() or c in ':"@/' for c in core) or not any(c.isalpha() for c in core):
            break
        words.append((match.start() + left, match.start() + left + len(core), core))
    return words


def _key(word: str) -> str:
    return fold(word.rstrip("."))


def _vocabulary(word: str) -> bool:
    """An everyday word that is not a name: it cannot start or end a name."""
    key = _key(word)
    return not _is_initial(word) and (is_everyday_word(key) or key in PARTICLES)


def _single_case_evidence(keys: list[str], initials: int) -> bool:
    """Where capitals say nothing, the lexicon must vouch for the span.

    One word: a distinctive name (not also a frequent word: "MAX", "BIRD" are
    not enough alone). Several: a distinctive name, or a first name beside
    another name word, an unknown word or an initial ("DAVE HILDEBRAND", "JOHN L. BAKER").
    """
    if len(keys) + initials == 1:
        return is_distinctive_name(keys[0])
    if any(is_distinctive_name(k) for k in keys):
        return True
    first = [i for i, k in enumerate(keys) if is_first_name(k)]
    others = [k for i, k in enumerate(keys) if not first or i != first[0]]
    return bool(first) and (initials > 0 or any(is_name_word(k) or is_unknown_word(k) for k in others))


def plausible_name(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The part of ``text[start:end]`` that can be a person's name, or None."""
    words = _words(text, start, end)
    while words and _vocabulary(words[0][2]):
        words.pop(0)
    while words and _vocabulary(words[-1][2]):
        words.pop()
    if not words:
        return None
    last = words[-1]
    span = (words[0][0], last[1] - (1 if last[2].endswith(".") and not _is_initial(last[2]) else 0))
    keys = [_key(w) for _, _, w in words if not _is_initial(w)]
    if not keys:
        return None
    full_words = [w for _, _, w in words if not _is_initial(w)]
    initials = len(words) - len(full_words)
    if is_single_case(text):
        # Capitals say nothing in a single-case note, and the truecaser capitalised codes itself.
        return span if _single_case_evidence(keys, initials) else None
    if any(w.isupper() for w in full_words):
        # A name in capitals inside edited text ("Relator: ARNOLDO CAMANHO"): the lexicon vouches,
        # or two or more words none of which is everyday vocabulary.
        unknown_run = len(keys) >= 2 and not any(is_everyday_word(k) for k in keys if k not in PARTICLES)
        return span if unknown_run or _single_case_evidence(keys, initials) else None
    if not all(w[0].isupper() for w in full_words if fold(w) not in PARTICLES):
        return None
    if any(is_name_word(k) for k in keys):
        return span
    if any(is_everyday_word(k) or VOCABULARY_ENDING.search(k) for k in keys if k not in PARTICLES) or (
        len(keys) == 1 and not is_rare_word(keys[0])
    ):
        # Capitalised words the lexicon does not know but whose ending makes them vocabulary
        # ("Previdenciária", "Impetrante", "Inconstitucionalidade") are jargon, not names; so is a lone
        # unknown word that is still written now and then ("Súmula", "Agravo"), unlike "Vsevolod".
        return None
    return span


def capitalised_core(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The span cut to its run of capitalised words, everyday words trimmed at the edges, or None.

    What an NER span vouched for by the learned model keeps: "não identificados perto
    de Mossul" keeps nothing a person is named by, "Senator Hunter Price" keeps "Hunter
    Price" (a name that is also a word is a lexicon name, not everyday vocabulary).
    """
    words = _words(text, start, end)
    while words and (_vocabulary(words[0][2]) or not words[0][2][0].isupper()):
        words.pop(0)
    while words and (_vocabulary(words[-1][2]) or not words[-1][2][0].isupper()):
        words.pop()
    if not words or any(not w[0].isupper() and fold(w) not in PARTICLES for _, _, w in words):
        return None
    if is_single_case(text) and all(_vocabulary(w) or is_everyday_word(_key(w)) for _, _, w in words):
        return None
    last = words[-1]
    return words[0][0], last[1] - (1 if last[2].endswith(".") and not _is_initial(last[2]) else 0)


class NerPersonRecognizer(SpacyRecognizer):
    """presidio's SpacyRecognizer for PERSON, each span passed through :func:`plausible_name` or vouched for."""

    def __init__(self, supported_language: str = "en", vouch_threshold: float | None = None) -> None:
        """``vouch_threshold``: the learned name model's probability that vouches for a span (None: no model)."""
        self.vouch_threshold = vouch_threshold
        super().__init__(supported_language=supported_language, supported_entities=["PERSON"])

    def _vouched(self, text: str, start: int, end: int, nlp_artifacts) -> tuple[int, int] | None:
        """The span cut to its capitalised words, when the learned model does not rule it out."""
        if self.vouch_threshold is None:
            return None
        core = capitalised_core(text, start, end)
        if core is None:
            return None
        probabilities = token_probabilities(nlp_artifacts)
        if not any(a < core[1] and core[0] < b and p >= self.vouch_threshold for a, b, _, p in probabilities):
            return None
        return core

    def analyze(self, text, entities, nlp_artifacts=None):  # noqa: D102 - same contract as SpacyRecognizer
        out = []
        for result in super().analyze(text, entities, nlp_artifacts):
            span = plausible_name(text, result.start, result.end) or self._vouched(
                text, result.start, result.end, nlp_artifacts
            )
            if span is not None:
                out.append(
                    RecognizerResult(
                        result.entity_type,
                        span[0],
                        span[1],
                        result.score,
                        analysis_explanation=result.analysis_explanation,
                        recognition_metadata=result.recognition_metadata,
                    )
                )
        return out

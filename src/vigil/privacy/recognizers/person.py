"""Person names where the small English NER model is weak: ALL-CAPS, lower-case and Portuguese notes.

Measured on this project's notes, spaCy's ``en_core_web_sm`` finds about a third
of the names in ALL-CAPS text, and none in lower case. Names are recognised
here from a lexicon of first names and surnames (US English and Brazilian /
European Portuguese, from Faker's locale data) plus cue words technicians write
before a name ("cliente", "Sr.", "customer", "owner"), case-insensitively:

* first name + surname(s)                    -> PERSON (0.85)
* cue word + first name or surname(s)        -> PERSON (0.75)
* cue word + Capitalised words (mixed case)  -> PERSON (0.6)

A lone first name without a cue is never masked: too many are also words
("Will", "Mark", "Rosa"). Words that are stop words in English or Portuguese,
or common automotive terms, are removed from the lexicon for the same reason.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
CUE_WORDS = frozenset(
    "mr mrs ms miss dr sr sra srta dra customer cust owner client cliente cli proprietario proprietaria "
    "dono dona motorista driver contact contato sir senhor senhora".split()
)
# Words that are names in some locale but ordinary in service notes.
_NOT_NAMES = frozenset(
    "will mark bill grant chase miles lane price booth wheeler parker ford lincoln mercedes austin "
    "rose ray dean june may april august frank guy art glen jack hunter carter cruz mini royal "
    "brake gear oil pan cam light low long short day young king hill banks rice wood stone "
    "centro".split()
)
# Particles inside Portuguese names ("João da Silva"): part of a name only between two name words.
_PARTICLES = frozenset("da de do das dos e".split())
_MAX_RUN = 5  # tokens in one name
_MAX_GAP = 2  # characters between tokens of one name (a space, or ". ")


@functools.lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """Case- and accent-insensitive key: 'JOÃO' -> 'joao'."""
    return "".join(c for c in unicodedata.normalize("NFKD", word.casefold()) if not unicodedata.combining(c))


@functools.lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS as EN_STOP
    from spacy.lang.pt.stop_words import STOP_WORDS as PT_STOP

    return frozenset(fold(w) for w in EN_STOP | PT_STOP) | _NOT_NAMES | CUE_WORDS


@functools.lru_cache(maxsize=1)
def name_lexicon() -> tuple[frozenset[str], frozenset[str]]:
    """(first names, surnames), folded, built once per process from Faker's locale providers."""
    from faker.providers.person.en_US import Provider as EnUs
    from faker.providers.person.pt_BR import Provider as PtBr
    from faker.providers.person.pt_PT import Provider as PtPt

    excluded = _stop_words()

    def words(names) -> set[str]:
        return {fold(part) for name in names for part in name.split() if len(part) > 1} - excluded

    first, last = set(), set()
    for provider in (EnUs, PtBr, PtPt):
        first |= words(getattr(provider, "first_names_male", ())) | words(getattr(provider, "first_names_female", ()))
        last |= words(getattr(provider, "last_names", ()))
    return frozenset(first), frozenset(last)


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
    if tokens[i].key in _stop_words() or len(tokens[i].key) < 3:
        return False
    following = 0
    for k in range(i + 1, min(len(tokens), i + 3)):
        if tokens[k].key not in last or tokens[k].start - tokens[k - 1].end > 1:
            break
        following += 1
    return following >= 2 or (cue and following >= 1)


def find_names(text: str) -> list[tuple[int, int, float, str]]:
    """(start, end, score, rule) for every name found in ``text``."""
    first, last = name_lexicon()
    known = first | last
    mixed_case = not text.isupper() and not text.islower()
    tokens = _tokens(text)
    found: list[tuple[int, int, float, str]] = []
    i = 0
    while i < len(tokens):
        cue = i > 0 and tokens[i - 1].key in CUE_WORDS and tokens[i].start - tokens[i - 1].end <= _MAX_GAP
        j = i + 1
        while j < len(tokens) and j - i < _MAX_RUN and tokens[j].start - tokens[j - 1].end <= 1:
            if tokens[j].key in known and tokens[j].key not in CUE_WORDS:
                j += 1
            elif tokens[j].key in _PARTICLES and j + 1 < len(tokens) and tokens[j + 1].key in last:
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
        elif cue and mixed_case and tokens[i].capitalised:
            k = i + 1
            while k < len(tokens) and k - i < 3 and tokens[k].capitalised and tokens[k].start - tokens[k - 1].end <= 1:
                k += 1
            run = tokens[i:k]
            found.append((run[0].start, run[-1].end, 0.6, "cue+capitalised"))
        else:
            i += 1
            continue
        i += len(run)
    return found


class PersonNameRecognizer(EntityRecognizer):
    """Lexicon- and cue-based PERSON recognizer, case-insensitive (complements spaCy NER)."""

    name: str  # set by EntityRecognizer.__init__ (untyped there)

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entities=["PERSON"], supported_language=supported_language, name="PersonNameRecognizer"
        )

    def load(self) -> None:
        name_lexicon()

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if "PERSON" not in entities:
            return []
        return [
            RecognizerResult(
                "PERSON",
                start,
                end,
                score,
                analysis_explanation=AnalysisExplanation(self.name, score, textual_explanation=rule),
                recognition_metadata={
                    RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                    RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                },
            )
            for start, end, score, rule in find_names(text)
        ]

"""Whole entities from partial detections: what one note says about a name holds for all of it.

Recognizers look at one place in a note at a time. Three facts only show at
the level of the whole note, and each turns a partial detection into a whole one:

* **repetition** -- once "Hakuba" or "Borkowski" is a name in a note, every other
  occurrence of that word in the note is the same name ("Maciej Borkowski ...
  starring Borkowski"), however weak its own context;
* **lists** -- in "Matheus, Janet, Nicholas and Terri" one detected name makes
  its capitalised neighbours in the same list names too;
* **continuation** -- a name runs on over particles and name words that follow it
  ("Maria das Graças", "JOHN DOE" when only "JOHN" was found) and, in edited text,
  over the capitalised words that follow it ("Xavi Quaresma": Quaresma is also a word).

A name followed by a company word ("Silva Ltda", "Clark, Romero and Hall
Orchestra") names a company and is dropped; so are a place ("Lake Charles"), a
colour ("cor ROSA metálico") and a vehicle's model or trim ("Polo Highline 200
TSI", "HB20 Comfort Plus"), each told by the words around it. All functions are pure: they take
the note and presidio results and return new results.
"""

from __future__ import annotations

import re

from presidio_analyzer import AnalysisExplanation, RecognizerResult

from vigil.privacy.lexicon import (
    COMMON_WORD_ZIPF,
    DEVOTIONAL,
    PARTICLES,
    fold,
    frequent_words,
    function_words,
    is_everyday_word,
    is_name_word,
    reads_as_name,
)

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_LIST_SEPARATOR = re.compile(r"\s*(?:,|;|/|&|\band\b|\be\b|\bor\b|\bou\b)\s*", re.IGNORECASE)
_REFINER = "NoteLevelNameRefiner"
# Words that make a preceding name (or list of names) a company: "Clark, Romero and Hall Orchestra", "Silva Ltda".
_ORGANISATION_AFTER = re.compile(
    r"^(?:(?:\s*(?:,|&|and|e)\s*[A-ZÀ-Ý][\w'’-]*)*)\s+(?:Inc|LLC|Ltd|Ltda|Corp|Corporation|Co|Company|Orchestra|Band|"
    r"Group|Partners|Associates|Technologies|Bank|Foundation|University|Institute|Industries|Holdings|Motors|"
    r"S\.?A|S/A|ME|EIRELI|GmbH|AG|SRL|Oficina|Auto\s+Center|Autopeças|Comércio|Transportes)\b\.?"
)
# Words after a name that make it a place or facility: "GILLESPIE FIELD", "Timmerman Airport".
_FACILITY_AFTER = re.compile(
    r"^\s+(?:Airport|Airfield|Field|Airpark|Aerodrome|Heliport|Municipal|Regional|International|County|Memorial|"
    r"Hospital|School|College|Stadium|Bridge|Dam|Aeroporto|Escola|Rodovia)\b",
    re.IGNORECASE,
)
_SCORE = 0.6
_MAX_CONTINUATION = 2  # words a name may run on by


def _result(start: int, end: int, rule: str) -> RecognizerResult:
    return RecognizerResult(
        "PERSON",
        start,
        end,
        _SCORE,
        analysis_explanation=AnalysisExplanation(_REFINER, _SCORE, textual_explanation=rule),
        recognition_metadata={RecognizerResult.RECOGNIZER_NAME_KEY: _REFINER},
    )


def _covered(start: int, end: int, results: list[RecognizerResult]) -> bool:
    return any(r.start < end and start < r.end for r in results)


def _name_like(word: str, single_case: bool) -> bool:
    """Could stand in a list of names: capitalised (or any case in a single-case note), not vocabulary."""
    key = fold(word)
    capitalised = word[0].isupper() and not word.isupper()
    three_letters = capitalised and len(key) == 3 and not is_everyday_word(key)  # "Zak", "Ari" in edited text
    if not (is_name_word(key) or reads_as_name(key) or three_letters):
        return False  # "DUANE CRITHFIELD, CERTIFICAT": a clipped word is not the next name in a list
    return single_case or capitalised


def repeated_names(text: str, results: list[RecognizerResult]) -> list[RecognizerResult]:
    """Other occurrences of a word that is part of a detected name, written exactly the same way.

    Exact form matters: "SOLBERG" in "CLIENTE INGRID SOLBERG. SOLBERG PEDIU LAUDO" is the
    name again, while a lower-case "costa" (coast) after "Ana Costa" is not. Everyday
    words ("Park", "Falcão") are not repeated: one use as a name does not make every use one.
    """
    names = [r for r in results if r.entity_type == "PERSON"]
    words = {
        m.group()
        for r in names
        for m in _WORD.finditer(text, r.start, r.end)
        if len(m.group()) > 3 and fold(m.group()) not in function_words() and not is_everyday_word(fold(m.group()))
    }
    out: list[RecognizerResult] = []
    for match in _WORD.finditer(text):
        if match.group() in words and not _covered(match.start(), match.end(), results + out):
            out.append(_result(match.start(), match.end(), "same word as a detected name"))
    return out


def listed_names(text: str, results: list[RecognizerResult], single_case: bool) -> list[RecognizerResult]:
    """Name-like single words in the same separated list as a detected name."""
    names = [r for r in results if r.entity_type == "PERSON"]
    if not names:
        return []
    out: list[RecognizerResult] = []
    for match in _WORD.finditer(text):
        if _covered(match.start(), match.end(), results + out) or not _name_like(match.group(), single_case):
            continue
        for name in names:
            between = text[name.end : match.start()] if name.end <= match.start() else text[match.end() : name.start]
            if between and _LIST_SEPARATOR.fullmatch(between) and _is_list_item(text, match.start(), match.end()):
                out.append(_result(match.start(), match.end(), "in a list with a detected name"))
                break
    return out


def _is_list_item(text: str, start: int, end: int) -> bool:
    """The word stands alone between separators (or the note's edges), not inside a phrase."""
    before = text[:start].rstrip()
    after = text[end:].lstrip()
    left = not before or bool(re.search(r"(?:[,;/&:]|\band|\be|\bor|\bou)$", before, re.IGNORECASE))
    right = not after or bool(re.match(r"(?:[,;/&.!?)]|and\b|e\b|or\b|ou\b)", after, re.IGNORECASE))
    return left and right


def continued_names(text: str, results: list[RecognizerResult], single_case: bool) -> list[RecognizerResult]:
    """Detected names extended over a following particle + name word or name word, and a preceding given name."""
    out = []
    for r in results:
        if r.entity_type != "PERSON":
            continue
        start, end = r.start, r.end
        given = re.search(r"([^\W\d_]+) $", text[max(0, start - 30) : start])
        if given and _continues(given.group(1), single_case) and fold(given.group(1)) not in PARTICLES:
            start -= len(given.group())  # "Elle Sandström", "Hedvig Arvidsson": an unknown given name before a surname
        for _ in range(_MAX_CONTINUATION):
            rest = text[end:]
            initial = re.match(r" ([A-Z])\.? ([^\W\d_]+)", rest)
            if initial and _continues(initial.group(2), single_case):
                end += initial.end()  # "ROY A. GOODART", "Carl N. Lewis"
                continue
            particle = re.match(r" (\w+) ([^\W\d_]+(?:['’-][^\W\d_]+)*)", rest)
            if particle and fold(particle.group(1)) in PARTICLES and _continues(particle.group(2), single_case):
                end += particle.end()
                continue
            word = re.match(r" ([^\W\d_]+(?:['’-][^\W\d_]+)*)", rest)
            if (
                word
                and _same_case_style(text[r.start : r.end], word.group(1))
                and _name_part(word.group(1), single_case)
            ):
                end += word.end()
                continue
            break
        if end > r.end or start < r.start:
            out.append(_result(start, end, "name continued"))
    return out


def _name_part(word: str, single_case: bool) -> bool:
    """Continues a name right after it: a name word, or in edited text a capitalised word that is not common."""
    key = fold(word)
    if is_name_word(key):
        return True
    if single_case:
        return reads_as_name(key)  # "JAY YOSHINAGA", "DAVE HILDEBRAND"; not "JOHN REPORTED"
    return not word.isupper() and key not in frequent_words(COMMON_WORD_ZIPF) and len(key) > 2


def _continues(word: str, single_case: bool) -> bool:
    key = fold(word)
    if key in DEVOTIONAL or is_name_word(key):
        return True
    if single_case:
        return reads_as_name(key)
    return word[0].isupper() and reads_as_name(key, min_length=3)


def _same_case_style(name: str, word: str) -> bool:
    """'JOHN' continues with 'DOE', 'John' with 'Doe'; 'John' does not continue with 'doe'."""
    first = name.split()[0]
    return (first.isupper() and word.isupper()) or (word[0].isupper() and not word.isupper() and not first.isupper())


def without_organisations(text: str, results: list[RecognizerResult]) -> list[RecognizerResult]:
    """Names that are part of a company name ("Silva Ltda", "Clark, Romero and Hall Orchestra") are not people."""
    return [
        r
        for r in results
        if r.entity_type != "PERSON"
        or not (_ORGANISATION_AFTER.match(text[r.end : r.end + 80]) or _FACILITY_AFTER.match(text[r.end : r.end + 20]))
    ]


# Words that make the name after them a place: saints ("São Paulo", "Santa Maria"; not "St.", which ends
# street names: "101 Oak St. Lisa Jones") and place prefixes
# ("Los Angeles", "Lake Charles", "Fort Worth", "Rio Branco", "Cité El Farik").
_PLACE_PREFIX = re.compile(
    r"(?<!\w)(?:São|Sao|Santo|Santa|San|Saint|Los|Las|El|Lake|Mount|Mt|Fort|Ft|Port|Porto|Rio|Vila|Villa|"
    r"Cite|Cité|Isla|Ilha|Serra|Monte|Baía|Baia|Cabo|Lago|Ponta|Campo|Nova|Novo|Nueva|Nuevo)\.?\s+$",
    re.IGNORECASE,
)


def without_places(text: str, results: list[RecognizerResult]) -> list[RecognizerResult]:
    """ "São Paulo", "Los Angeles", "Lake Charles": a given name after a place prefix names a place."""
    return [
        r for r in results if r.entity_type != "PERSON" or not _PLACE_PREFIX.search(text[max(0, r.start - 8) : r.start])
    ]


# Words that make the capitalised words after them a colour, not a person: "cor ROSA metálico", "Paint code Rosso
# Corsa", "colour: Azul Estoril".
_COLOUR_BEFORE = re.compile(r"(?<!\w)(?:cor|colou?r|paint(?:\s+code)?|pintura|tinta)\s*[:\-]?\s*$", re.IGNORECASE)
# What makes capitalised words a vehicle's model or trim: a model code before ("HB20 Comfort Plus", "A4 Avant") or an
# engine or displacement after ("Onix Plus 1.0", "Polo Highline 200 TSI", "Tracker Premier 1.2 turbo").
_MODEL_CODE_BEFORE = re.compile(r"(?<![\w-])[A-Za-z]{1,4}\d{1,4}[A-Za-z]?\s+$")
_ENGINE_AFTER = re.compile(
    r"^\s+(?:\d[.,]\d\b|\d{1,3}\s*(?:tsi|tfsi|tdi|thp|tgdi|turbo|flex|cv|hp|v6|v8)\b)", re.IGNORECASE
)


def without_products(text: str, results: list[RecognizerResult]) -> list[RecognizerResult]:
    """Capitalised words that a colour word introduces, or that a model code or an engine frames, are not people."""
    return [
        r
        for r in results
        if r.entity_type != "PERSON"
        or not (
            _COLOUR_BEFORE.search(text[max(0, r.start - 16) : r.start])
            or _MODEL_CODE_BEFORE.search(text[max(0, r.start - 10) : r.start])
            or _ENGINE_AFTER.match(text[r.end : r.end + 14])
        )
    ]


def without_possessive(text: str, results: list[RecognizerResult]) -> list[RecognizerResult]:
    """ "Bryan Maclean's" -> "Bryan Maclean": the possessive ending is grammar, not the name."""
    for r in results:
        if r.entity_type == "PERSON" and r.end - r.start > 3 and text[r.end - 2 : r.end] in ("'s", "’s"):
            r.end -= 2
    return results


def _without_non_people(text: str, results: list[RecognizerResult]) -> list[RecognizerResult]:
    """Minus names of companies, facilities, places, colours and vehicle models."""
    return without_products(text, without_places(text, without_organisations(text, results)))


def refine_names(text: str, results: list[RecognizerResult], single_case: bool) -> list[RecognizerResult]:
    """``results`` plus the PERSON spans that the note as a whole implies, minus names of companies and things."""
    results = without_possessive(text, _without_non_people(text, results))
    results = results + continued_names(text, results, single_case)
    results = results + listed_names(text, results, single_case)
    results = results + repeated_names(text, results)
    return _without_non_people(text, results)

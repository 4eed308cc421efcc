"""The residual scan: an independent second look at text that has already been scrubbed.

A scan that reuses the scrubber's recognizers can only ever confirm the
scrubber: what they miss, it misses. This one shares none of them -- no spaCy,
no presidio, no scores -- and reads the text differently: case-insensitively,
with high-recall yes/no rules written for leaks, not for precise spans.

* ``PERSON`` -- a cue word ("cliente", "customer", "Sr.", "owner") followed by a
  word that is not vocabulary; two adjacent lexicon name words (first name then
  surname) in any case ("ALINE MARTINS", "aline martins"); two adjacent
  capitalised words of mixed-case text that no dictionary knows;
* ``EMAIL_ADDRESS`` -- anything around an at-sign, literal or spelled
  ("joao at gmail dot com", "joao[at]empresa.com.br");
* ``NUMBER`` -- a run of 10 or more digits, however separated (phones, CPF,
  CNPJ, cards, IBANs written in groups), unless a code word names it (part,
  order, serial) or it is a date;
* ``STREET_ADDRESS`` -- a house number next to a street-type word in any
  language, or a Brazilian CEP;
* ``REFERENCE_NUMBER`` -- a record word ("RO", "work order", "claim", "OS",
  "protocolo", "cliente", ...) followed by a number of 4 or more digits that is
  not a year: a key into a system that leads to a person.

It counts suspects by type and never returns a value. Placeholders and
pseudonyms written by the scrubber are blanked first (same length) so their
letters and hex digits are not read as names or numbers. There is no score
threshold to set: a rule matches or it does not, so the scan cannot be made
"more sensitive" than the scrubber by a number that contradicts the
scrubber's own; how many suspects are tolerated is a policy decision
(``policies/privacy.yaml``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from vigil.privacy.codes import code_word_before
from vigil.privacy.lexicon import (
    CUE_WORDS,
    PARTICLES,
    fold,
    is_everyday_word,
    is_first_name,
    is_rare_word,
    is_surname,
    reads_as_name,
    stop_words,
)

PLACEHOLDER = re.compile(r"<[A-Z_]+(?:_[0-9a-f]{6,})?>")
RESIDUAL_TYPES = ("PERSON", "EMAIL_ADDRESS", "NUMBER", "STREET_ADDRESS", "REFERENCE_NUMBER")

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_EMAIL = re.compile(
    r"[\w.+-]+\s*(?:@|[\[\(\{<]\s*(?:at|arroba)\s*[\]\)\}>]|\s(?:at|arroba)\s)\s*[\w-]+"
    r"(?:\s*(?:\.|[\[\(\{<]\s*(?:dot|ponto)\s*[\]\)\}>]|\s(?:dot|ponto)\s)\s*[\w-]+)*"
    r"\s*(?:\.|[\[\(\{<]\s*(?:dot|ponto)\s*[\]\)\}>]|\s(?:dot|ponto)\s)\s*(?:com|net|org|edu|gov|br|pt|io|co|uk|de|fr|es)\b",
    re.IGNORECASE,
)
_DIGIT_RUN = re.compile(r"(?<![\w.-])\+?\(?\d[\d\s().-]{8,30}\d(?![\w-])")
_DATE = re.compile(r"\b\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\b")
_STREET = re.compile(
    r"\b\d{1,5},?\s+(?:[^\W\d_]+\s+){0,3}(?:st|street|ave|avenue|rd|road|blvd|lane|ln|drive|dr|way|court|ct)\b"
    r"|\b(?:rua|r\.|avenida|av\.|travessa|alameda|rodovia|praça|praca|rue|calle|via|strasse|straße)\s+"
    r"(?:[^\W\d_]+\.?\s+){0,4}[^\W\d_]+,?\s+(?:n[º°o.]?\s*)?\d{1,5}\b"
    r"|\bCEP:?\s*\d{5}-?\d{3}\b|\b\d{5}-\d{3}\b",
    re.IGNORECASE,
)


def blank_placeholders(text: str) -> str:
    return PLACEHOLDER.sub(lambda m: " " * len(m.group()), text)


def _words(text: str) -> list[re.Match[str]]:
    return list(_WORD.finditer(text))


def _adjacent(a: re.Match[str], b: re.Match[str], text: str) -> bool:
    """Next to each other in one name: a space, or a period only after an initial or a title ("J. Silva", "Sr. Silva").

    A period after any other word ends a sentence ("velocidade maxima. luz de alerta"), and names do not span one.
    """
    gap = text[a.end() : b.start()]
    if gap in (" ", "  "):
        return True
    return gap == ". " and (len(a.group()) == 1 or fold(a.group()) in CUE_WORDS)


def suspected_names(text: str) -> Iterator[tuple[int, int]]:
    """Spans that read as a person's name whatever the case (see module docstring)."""
    words = _words(text)
    mixed = not (text.isupper() or text.islower())
    for a, b in zip(words, words[1:], strict=False):
        if not _adjacent(a, b, text):
            continue
        first, second = fold(a.group()), fold(b.group())
        if first in CUE_WORDS and _name_after_cue(second):
            yield b.start(), b.end()
        elif is_first_name(first) and (is_surname(second) or is_first_name(second)) and not is_everyday_word(second):
            yield a.start(), b.end()
        elif mixed and _capitalised_rare(a.group()) and _capitalised_rare(b.group()):
            yield a.start(), b.end()


def _name_after_cue(key: str) -> bool:
    """After "cliente"/"Mr."/"owner": a name word, or a rare word that is neither a typo nor vocabulary."""
    if is_first_name(key) or is_surname(key):
        return not is_everyday_word(key)
    return reads_as_name(key)


def _capitalised_rare(word: str) -> bool:
    return len(word) > 2 and word[0].isupper() and not word.isupper() and is_rare_word(fold(word))


def suspected_emails(text: str) -> Iterator[tuple[int, int]]:
    return ((m.start(), m.end()) for m in _EMAIL.finditer(text))


def suspected_numbers(text: str) -> Iterator[tuple[int, int]]:
    for match in _DIGIT_RUN.finditer(text):
        value = match.group()
        if sum(c.isdigit() for c in value) < 10 or _DATE.search(value) or code_word_before(text, match.start()):
            continue
        if "." in value and "-" in value and len(re.findall(r"\d+", value)) >= 4:
            continue  # case and process numbers ("0012843-03.2015.8.07.0001") mix dots and dashes
        yield match.start(), match.end()


# Written for this scan, broader than the scrubber's list (any marker, 4 digits without one); a bare "order" or
# "pedido" (a parts order to a supplier) is not a record of a person here either.
_RECORD = re.compile(
    r"\b(?:ro|r/o|wo|w/o|os|o\.s|repair\s+order|work\s+order|service\s+order|invoice|inv|claim|ticket|case|job"
    r"|booking|account|acct|customer|cust|ordem|nf|nfe|nf-e|nota|fatura|protocolo|protocol|chamado|sinistro|cliente"
    r"|conta|ficha|orcamento|orçamento)"
    r"\.?\s*(?:#|n[º°o]\.?|no\.|nr\.?|num\.?|number|numero|número|de\s+servi[cç]o|fiscal|:)?\s*"
    r"(?P<number>[a-z]{0,4}[-/]?\d[\d./-]{2,}\d)\b",
    re.IGNORECASE,
)
_YEAR = re.compile(r"(?:19|20)\d\d")


def suspected_references(text: str) -> Iterator[tuple[int, int]]:
    for match in _RECORD.finditer(text):
        number = match.group("number")
        if sum(c.isdigit() for c in number) >= 4 and not _YEAR.fullmatch(number) and not _DATE.fullmatch(number):
            yield match.start("number"), match.end("number")


def suspected_addresses(text: str) -> Iterator[tuple[int, int]]:
    for match in _STREET.finditer(text):
        words = [fold(w) for w in _WORD.findall(match.group())[:-1]]
        if not any(w in stop_words() and w not in PARTICLES for w in words[1:]):  # "135, DEPARTED SPIRIT OF ST."
            yield match.start(), match.end()


# What each type's rules look for, as reports/privacy.json and the PDF state it.
RESIDUAL_RULES = {
    "PERSON": "cue word + unknown word; first name + surname in any case; two rare capitalised words",
    "EMAIL_ADDRESS": "text around an at-sign, literal or spelled (at, [at], arroba, dot, ponto)",
    "NUMBER": "10 or more digits however separated, unless a date or named as a code",
    "STREET_ADDRESS": "house number next to a street-type word; Brazilian CEP",
    "REFERENCE_NUMBER": "record word (RO, work order, claim, OS, protocolo, ...) + 4 or more digits, not a year",
}
DETECTORS: dict[str, Callable[[str], Iterator[tuple[int, int]]]] = {
    "PERSON": suspected_names,
    "EMAIL_ADDRESS": suspected_emails,
    "NUMBER": suspected_numbers,
    "STREET_ADDRESS": suspected_addresses,
    "REFERENCE_NUMBER": suspected_references,
}


def scan_text(text: str) -> Counter:
    """Suspected residual personal data in one scrubbed text, counted by type."""
    blanked = blank_placeholders(text)
    return Counter({kind: n for kind, detect in DETECTORS.items() if (n := sum(1 for _ in detect(blanked)))})


@dataclass
class ResidualCounts:
    findings: Counter = field(default_factory=Counter)
    records_affected: int = 0

    def merge(self, other: ResidualCounts) -> None:
        self.findings.update(other.findings)
        self.records_affected += other.records_affected

    def add_record(self, found: Counter) -> None:
        """One text's suspects (``scan_text``'s result, or a Spark executor's copy of it)."""
        if found:
            self.findings.update(found)
            self.records_affected += 1


def residual_scan(texts: list[str]) -> ResidualCounts:
    """Count suspects in every text, and the texts with at least one."""
    counts = ResidualCounts()
    for text in texts:
        counts.add_record(scan_text(text))
    return counts

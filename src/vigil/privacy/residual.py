"""The residual scan: an independent second look at text that has already been scrubbed.

A scan that reuses the scrubber's recognizers, lexicon or models can only ever
confirm the scrubber: what they miss, it misses. This one shares none of them
(``tests/test_residual_independence.py`` checks its imports): no spaCy, no
presidio, no name lexicon, no word-frequency list, no cue list or code-word list
of the scrubber's, and no threshold of the scrubber's. It reads differently:

* ``PERSON`` -- the residual name model (:mod:`vigil.privacy.residual_model`):
  character n-grams of a word and its neighbours, trained on the corpora apart
  from the scrubber's word-level model, at the threshold its own stage calibrated
  on scrubbed technical notes; and a title written for this scan ("Mr.", "Sra.",
  "Dr.") followed by a capitalised word;
* ``EMAIL_ADDRESS`` -- anything around an at-sign, literal or spelled
  ("joao at gmail dot com", "joao[at]empresa.com.br");
* ``NUMBER`` -- a run of 10 or more digits, however separated (phones, CPF,
  CNPJ, cards, IBANs written in groups), unless a code word of this module's own
  list names it (part, serial, version) or it is a date;
* ``STREET_ADDRESS`` -- a house number, a street name and a street-type word in
  any language, or a Brazilian CEP;
* ``REFERENCE_NUMBER`` -- a record word ("RO", "work order", "claim", "OS",
  "protocolo", ...) followed by a number of 4 or more digits that is not a year.

It counts suspects by type and never returns a value. The flag count becomes
an estimated residual rate with an interval (:mod:`vigil.privacy.residual_estimate`)
from the model card's calibration; how high a rate is tolerated is a policy
decision (``policies/privacy.yaml``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from vigil.privacy.residual_model import PLACEHOLDER, ResidualNameModel, load_residual_model

RESIDUAL_TYPES = ("PERSON", "EMAIL_ADDRESS", "NUMBER", "STREET_ADDRESS", "REFERENCE_NUMBER")

_EMAIL = re.compile(
    r"[\w.+-]+\s*(?:@|[\[\(\{<]\s*(?:at|arroba)\s*[\]\)\}>]|\s(?:at|arroba)\s)\s*[\w-]+"
    r"(?:\s*(?:\.|[\[\(\{<]\s*(?:dot|ponto)\s*[\]\)\}>]|\s(?:dot|ponto)\s)\s*[\w-]+)*"
    r"\s*(?:\.|[\[\(\{<]\s*(?:dot|ponto)\s*[\]\)\}>]|\s(?:dot|ponto)\s)\s*(?:com|net|org|edu|gov|br|pt|io|co|uk|de|fr|es)\b",
    re.IGNORECASE,
)
_DIGIT_RUN = re.compile(r"(?<![\w.-])\+?\(?\d[\d\s().-]{8,30}\d(?![\w-])")
_DATE = re.compile(r"\b\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\b")
_STREET = re.compile(
    r"\b\d{1,5},?\s+(?:[^\W\d_]+\s+){1,3}(?:st|street|ave|avenue|rd|road|blvd|lane|ln|drive|dr|way|court|ct)\b"
    r"|\b(?:rua|r\.|avenida|av\.|travessa|alameda|rodovia|praça|praca|rue|calle|via|strasse|straße)\s+"
    r"(?:[^\W\d_]+\.?\s+){0,4}[^\W\d_]+,?\s+(?:n[º°o.]?\s*)?\d{1,5}\b"
    r"|\bCEP:?\s*\d{5}-?\d{3}\b|\b\d{5}-\d{3}\b",
    re.IGNORECASE,
)


def blank_placeholders(text: str) -> str:
    return PLACEHOLDER.sub(lambda m: " " * len(m.group()), text)


# Titles written for this scan (not the scrubber's list): a capitalised word after one is a name.
_TITLE_NAME = re.compile(
    r"\b(?:mr|mrs|ms|miss|dr|dra|sr|sra|srta|sir|dona|senhor|senhora)\.?\s+(?P<name>[A-ZÀ-Ý][A-Za-zÀ-ÿ'’-]{2,})",
    re.IGNORECASE,
)


def suspected_names(text: str, model: ResidualNameModel | None) -> Iterator[tuple[int, int]]:
    """Words the residual model scores at or above its calibrated threshold (when there is one), and titled names."""
    if model is not None:
        yield from model.suspects(text)
    for match in _TITLE_NAME.finditer(text):
        if match.group("name")[0].isupper():
            yield match.start("name"), match.end("name")


def suspected_emails(text: str) -> Iterator[tuple[int, int]]:
    return ((m.start(), m.end()) for m in _EMAIL.finditer(text))


# Words that name a number as a code, written for this scan: "part 7867-432132-10", "serial ...".
_CODE_WORD_BEFORE = re.compile(
    r"(?:\b(?:part|pn|p/n|serial|sn|s/n|ser|model|modelo|version|ver|software|firmware|sw|fw|lot|lote|batch"
    r"|pe[cç]a|s[eé]rie|c[oó]digo|vers[aã]o|ref|km|mi|odometer|hod[oô]metro)\b\.?\s*(?:#|no\.?|n[º°]\.?|:)?\s*)$",
    re.IGNORECASE,
)


def _code_word_before(text: str, start: int) -> bool:
    return _CODE_WORD_BEFORE.search(text[max(0, start - 24) : start]) is not None


def suspected_numbers(text: str) -> Iterator[tuple[int, int]]:
    for match in _DIGIT_RUN.finditer(text):
        value = match.group()
        if sum(c.isdigit() for c in value) < 10 or _DATE.search(value) or _code_word_before(text, match.start()):
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


# A street name holds no sentence words ("135, DEPARTED SPIRIT OF ST." is a narrative, not an address).
_SENTENCE_WORDS = frozenset(
    "the a an of to at in on and or but was were is are had has have he she they it his her with from for by after "
    "before then when while into over o a os as um uma no na em que foi era com para por".split()
)
_LETTERS = re.compile(r"[^\W\d_]+")


def suspected_addresses(text: str) -> Iterator[tuple[int, int]]:
    for match in _STREET.finditer(text):
        words = [w.lower() for w in _LETTERS.findall(match.group())[:-1]]
        if not any(w in _SENTENCE_WORDS for w in words[1:]):
            yield match.start(), match.end()


# What each type's rules look for, as reports/privacy.json and the PDF state it.
RESIDUAL_RULES = {
    "PERSON": "the residual name model (character n-grams, its own calibrated threshold); title + capitalised word",
    "EMAIL_ADDRESS": "text around an at-sign, literal or spelled (at, [at], arroba, dot, ponto)",
    "NUMBER": "10 or more digits however separated, unless a date or named as a code",
    "STREET_ADDRESS": "house number, street name and street-type word; Brazilian CEP",
    "REFERENCE_NUMBER": "record word (RO, work order, claim, OS, protocolo, ...) + 4 or more digits, not a year",
}
DETECTORS: dict[str, Callable[[str], Iterator[tuple[int, int]]]] = {
    "EMAIL_ADDRESS": suspected_emails,
    "NUMBER": suspected_numbers,
    "STREET_ADDRESS": suspected_addresses,
    "REFERENCE_NUMBER": suspected_references,
}


def scan_text(text: str, model: ResidualNameModel | None) -> Counter:
    """Suspected residual personal data in one scrubbed text, counted by type.

    The rules read the text with placeholders blanked (their letters and hex digits are not data); the
    name model and the title rule read it as written, where a placeholder is a token of its own.
    """
    blanked = blank_placeholders(text)
    found = Counter({kind: n for kind, detect in DETECTORS.items() if (n := sum(1 for _ in detect(blanked)))})
    names = len(set(suspected_names(text, model)))
    if names:
        found["PERSON"] = names
    return found


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


def residual_scan(texts: list[str], model: ResidualNameModel | None) -> ResidualCounts:
    """Count suspects in every text, and the texts with at least one."""
    counts = ResidualCounts()
    if model is not None:
        model.prime(texts)
    for text in texts:
        counts.add_record(scan_text(text, model))
    return counts


def residual_model_for(path: str | None) -> ResidualNameModel | None:
    """The scan's calibrated name model at ``path`` (``scrub.residual.model``), or None when not configured."""
    return load_residual_model(path) if path else None

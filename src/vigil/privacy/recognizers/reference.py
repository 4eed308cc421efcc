"""Record references: repair-order, service-order, claim, invoice, ticket and customer numbers.

A repair order number ("RO# 626553") is a key into the workshop's system, where it
leads to the customer, the vehicle and the invoice: an identification number
linkable to a person, so personal data under GDPR (Art. 4(1), Recital 26) and
LGPD (Art. 5 I). The digits alone are any number; what makes them a reference is
the record word before them ("RO#", "OS nº", "claim", "protocolo"), so a number
counts only right after one. Part numbers, bulletins, fault codes, odometer
readings and batch numbers have their own words and stay ("PN 30926-K0-7924",
"TSB 21-045-19", "odo 45,210 mi", "lote L2282").
"""

from __future__ import annotations

import re

from vigil.privacy.recognizers.base import Span, SpanFunctionRecognizer

# Words that name a record in a workshop, warranty or billing system (English, Brazilian Portuguese).
# A bare "order" / "pedido" is left out: it is usually a parts order to a supplier, which leads to no person.
RECORD_WORDS = (
    "ro", "r/o", "r.o.", "repair order", "work order", "wo", "w/o#", "service order", "job card", "job",
    "invoice", "inv", "claim", "warranty claim", "case", "ticket", "customer", "customer id",
    "account", "acct", "booking", "appointment", "reservation", "membership", "loyalty",
    "os", "o.s.", "o.s", "ordem de servico", "ordem de serviço", "nota fiscal", "nf",
    "nf-e", "nfe", "fatura", "protocolo", "chamado", "sinistro", "garantia", "cliente", "cod. cliente",
    "cód. cliente", "codigo do cliente", "código do cliente", "conta", "agendamento", "orcamento",
    "orçamento", "ficha",
)  # fmt: skip
_MARKER = r"(?:#|n[º°o]\.?|no\.|num\.?|number|numero|número|nr\.?|:)"
_WORDS = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(RECORD_WORDS, key=len, reverse=True))
_REFERENCE = re.compile(
    rf"(?<![\w/.])(?P<word>{_WORDS})\s*(?P<marker>{_MARKER})?\s*"
    rf"(?P<number>(?:[A-Z]{{1,4}}[-/]?)?\d[\d./-]*\d)(?![\w])",
    re.IGNORECASE,
)
# A number followed by a unit is a measurement ("order 12000 km"), not a reference.
_UNIT_AFTER = re.compile(r"\s*(?:km|mi|miles|mm|cm|kg|lbs?|rpm|psi|bar|v|volts?|h|hrs?|horas|x)\b", re.IGNORECASE)
_YEAR = re.compile(r"(?:19[5-9]\d|20[0-4]\d)")
SCORE = 0.7


# A mistyped record word still names a record ("invocie 88231", "WORK ORER 2020940527", "wrok oder 558812"): up to three
# words before the number are compared, one slip allowed, with the record words of five letters or more.
# Only numbers of four digits or more can be references, so the words are read only before those.
_NUMBER = re.compile(r"(?<![\w])(?:[A-Z]{1,4}[-/]?)?\d[\d./-]*\d(?![\w])", re.IGNORECASE)
_WORDS_BEFORE = re.compile(
    rf"(?<![\w/.])(?P<word>[^\W\d_]+(?:\s+[^\W\d_]+){{0,2}})\s*(?P<marker>{_MARKER})?\s*$", re.IGNORECASE
)
_LOOK_BACK = 80
# Record words of five letters or more by length: one slip changes a length by at most one.
_BY_LENGTH: dict[int, tuple[str, ...]] = {}
for _word in RECORD_WORDS:
    if len(_word) >= 5:
        _BY_LENGTH[len(_word)] = (*_BY_LENGTH.get(len(_word), ()), _word)


# Record phrases of several words, each word compared on its own: "wrok oder", "reapir ordr" (one slip per word).
_PHRASES = tuple(tuple(w.split()) for w in RECORD_WORDS if " " in w)


def _slipped_phrase(parts: list[str]) -> bool:
    """The trailing words are a multi-word record phrase with at most one slip in each word of four letters or more."""
    for phrase in _PHRASES:
        tail = parts[-len(phrase) :]
        if len(tail) == len(phrase) and all(
            w == r or (len(r) >= 4 and one_slip_apart(w, r)) for w, r in zip(tail, phrase, strict=True)
        ):
            return True
    return False


def _mistyped_record_word(words: str) -> bool:
    """One of the phrase's trailing 1-3 words is a record word with one slip, or a record phrase with one per word."""
    parts = words.lower().split()
    if _slipped_phrase(parts):
        return True
    for k in range(1, len(parts) + 1):
        phrase = " ".join(parts[-k:])
        if len(phrase) < 5:
            continue
        nearby = (r for n in (len(phrase) - 1, len(phrase), len(phrase) + 1) for r in _BY_LENGTH.get(n, ()))
        if any(one_slip_apart(phrase, record) for record in nearby):
            return True
    return False


def one_slip_apart(a: str, b: str) -> bool:
    """True when ``a`` is ``b`` with one letter changed, dropped, added, or two neighbours swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return a == b
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        return len(diff) == 1 or (
            len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
        )
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


Candidate = tuple[str, str | None, int, int]  # record word, marker, number start, number end


def _record_matches(text: str) -> list[Candidate]:
    """Record word + number, the word as written or with one slip."""
    found: list[Candidate] = [
        (m.group("word"), m.group("marker"), m.start("number"), m.end("number")) for m in _REFERENCE.finditer(text)
    ]
    taken = {start for _, _, start, _ in found}
    for number in _NUMBER.finditer(text):
        if number.start() in taken or sum(c.isdigit() for c in number.group()) < 4:
            continue
        before = _WORDS_BEFORE.search(text, max(0, number.start() - _LOOK_BACK), number.start())
        if before and _mistyped_record_word(before.group("word")):
            found.append((before.group("word"), before.group("marker"), number.start(), number.end()))
    return sorted(found, key=lambda c: c[2])


def find_references(text: str) -> list[Span]:
    """Spans of the numbers that follow a record word; the word itself stays."""
    spans: list[Span] = []
    for word, marker, start, end in _record_matches(text):
        number = text[start:end]
        digits = sum(c.isdigit() for c in number)
        if digits < 4 or (digits == 4 and not marker) or _YEAR.fullmatch(number):
            continue  # "order 2 sets", "customer 2019 civic": too short to be a key, or a year
        if _UNIT_AFTER.match(text, end):
            continue
        spans.append((start, end, SCORE, f"number after '{word}'"))
    return spans


class ReferenceNumberRecognizer(SpanFunctionRecognizer):
    ENTITY = "REFERENCE_NUMBER"
    FIND = find_references
    NEEDS_DIGIT = True

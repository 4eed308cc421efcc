"""Phone numbers from any country, in the shapes people write them, told apart from codes.

presidio's phonenumbers-based recognizer knows the configured regions only and
misses a number when something sticks to it ("(305) 790-8924 - 11/20/2022").
This recognizer reads any run of digit groups and decides by shape and context:

* an international number (``+41 (0)96 471 07 95``, ``0049 ...``) that
  phonenumbers says is possible for its country code          -> 0.75
* digit groups shaped like a phone number (2-5 digit groups, the last
  of 2-4: ``078 8098 1119``, ``(602)272-9781``, ``780 6326``)   -> 0.6
* a bare run of 10-13 digits                                    -> 0.35 (below the
  default threshold: a lower-scored permissive pattern that a phone word
  such as "tel", "fax", "cel" lifts to 0.75)

Whatever the shape, a candidate is no phone number when it reads as a date or
time, an IP address or software version (dotted groups), a CPF/CNPJ layout
(their own recognizers decide), an amount with thousands separators, or when
the word before it names a code: part, serial, order, version, km ("part
7867-432132", "ECU software 10.2.3.4"). A date right after a number ends the
number; it does not hide it.
"""

from __future__ import annotations

import re

import phonenumbers

from vigil.privacy.codes import code_word_before
from vigil.privacy.recognizers.base import SpanFunctionRecognizer

# Digit groups joined by one separator (space, dot, dash, parentheses), optionally international and with an extension.
_CANDIDATE = re.compile(
    r"(?<![\w+#/.,-])"
    r"(?:\+|00)?\s?"
    r"(?:\(\s?\+?\d{1,4}\s?\)\s?)?"
    r"\d{1,13}(?:(?:[ .-]|\)\s?|\s?\(|[ ]?\(0\)[ ]?)\d{1,13}){0,6}"
    r"(?:\s?(?:x|ext\.?|ramal)\s?\d{1,5})?"
    r"(?![\w/])"
)
_DIGIT = re.compile(r"\d")
_GROUP = re.compile(r"\d+")
_EXTENSION = re.compile(r"\s?(?:x|ext\.?|ramal)\s?\d{1,5}$", re.IGNORECASE)
_DATE = re.compile(r"\b(?:\d{4}[-.]\d{1,2}[-.]\d{1,2}|\d{1,2}[-.]\d{1,2}[-.]\d{4})\b")
# Layouts other recognizers own or that are never phones: SSN 000-00-0000, CEP 00000-000.
_OTHER_LAYOUT = re.compile(r"^(?:\d{3}-\d{2}-\d{4}|\d{5}-\d{3})$")
_THOUSANDS = re.compile(r"^\d{1,3}(?:[.,]\d{3})+$")
_CPF_CNPJ = re.compile(r"^(?:\d{3}\.\d{3}\.\d{3}-\d{2}|\d{2}\.\d{3}\.\d{3}/?\d{4}-\d{2})$")
PHONE_WORDS = frozenset(
    "tel telefone phone ph fone cel celular cell mobile movil móvil whatsapp wpp zap fax contato contact "
    "callback call ligar ligue desk office direct landline tlf telf".split()
)
_CONTEXT_WINDOW = 30


def _words_before(text: str, start: int) -> list[str]:
    return [w.strip(":#.,;()").lower() for w in text[max(0, start - _CONTEXT_WINDOW) : start].split()][-3:]


def _trim(candidate: str) -> str:
    return candidate.rstrip(" .-(")


def phone_score(text: str, start: int, end: int) -> float:
    """How much ``text[start:end]`` looks like a phone number in its place (0 = it is not one)."""
    value = text[start:end]
    core = _EXTENSION.sub("", value).strip()
    digits = "".join(_DIGIT.findall(core))
    if not 7 <= len(digits) <= 15:
        return 0.0
    if _DATE.search(core) or _THOUSANDS.match(core) or _CPF_CNPJ.match(core) or _OTHER_LAYOUT.match(core):
        return 0.0
    if re.match(r"[:h]\d", text[end : end + 2]):
        return 0.0  # "11:34" -- the candidate is the hour of a time

    if code_word_before(text, start):
        return 0.0
    before = _words_before(text, start)
    groups = _GROUP.findall(core)
    separators = set(re.sub(r"[\d+]", "", core))
    dotted = separators <= {"."} and len(groups) > 1
    international = core.startswith(("+", "00"))
    if {".", "-"} <= separators and not international:
        return 0.0  # "15-97.2006.7.12.0012": case and process numbers mix dots and dashes, phones do not
    nanp = [len(g) for g in groups] == [3, 3, 4]  # 930.167.3943: North American numbers are dotted too
    if dotted and not (international or core.startswith("0") or nanp):
        return 0.0  # versions, IP addresses and part numbers are dotted; phones rarely, and then start with 0 or +
    context = any(w in PHONE_WORDS for w in before)
    if international:
        return 0.75 if _possible_international(core) else (0.6 if context else 0.0)
    if len(groups) == 1:
        return 0.75 if context else (0.35 if 10 <= len(digits) <= 13 else 0.0)
    paired = len(groups) >= 4 and core.startswith("0")  # "06 12 34 56 78"
    shaped = all(len(g) <= 5 for g in groups) and 2 <= len(groups[-1]) <= 4 and (max(map(len, groups)) >= 3 or paired)
    if shaped:
        return 0.75 if context else 0.6
    return 0.6 if context else 0.0


def _possible_international(core: str) -> bool:
    number = re.sub(r"\(0\)", "", core)
    number = "+" + number[2:] if number.startswith("00") else number
    try:
        return phonenumbers.is_possible_number(phonenumbers.parse(number, None))
    except phonenumbers.NumberParseException:
        return False


def find_phones(text: str) -> list[tuple[int, int, float, str]]:
    """(start, end, score, rule) of every phone-number candidate with a positive score."""
    out = []
    for match in _CANDIDATE.finditer(text):
        value = _trim(match.group())
        start = match.start() + (len(value) - len(value.lstrip()))
        end = match.start() + len(value)
        score = phone_score(text, start, end)
        if score > 0:
            out.append((start, end, score, "shape and context"))
    return out


class InternationalPhoneRecognizer(SpanFunctionRecognizer):
    """PHONE_NUMBER for every country, by shape and context (see module docstring)."""

    ENTITY = "PHONE_NUMBER"
    FIND = find_phones
    NEEDS_DIGIT = True

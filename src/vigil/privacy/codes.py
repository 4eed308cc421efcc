"""Numbers that are not phones or IP addresses: part numbers, versions, orders, mileage, house numbers.

A service note is full of digit groups. Some are shaped exactly like a phone
number or an IPv4 address ("part 7867-432132", "ECU software 17.37.2.20") and
masking them *as phones* is wrong. The word written right before such a number
says which it is; this module is the one list of those words, used by the phone
recognizer and by the final check over every recognizer's results (presidio's
own phone and IP recognizers included). Record numbers among them ("RO#",
"order", "claim", "protocolo") are still personal data of their own kind, found by
:mod:`vigil.privacy.recognizers.reference` as ``REFERENCE_NUMBER``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the residual scan imports this module and must not load presidio
    from presidio_analyzer import RecognizerResult

CODE_WORDS = frozenset(
    "part pn p/n partno peca peça ref referencia referência cod codigo código sku item serial s/n sn serie série "
    "os o.s. ro ro# order pedido nf nota invoice fatura protocolo chamado ticket km odometer hodometro hodômetro "
    "lote batch lot software sw fw firmware version versao versão ver v rev revision calibration cal modelo model "
    "claim garantia warranty dtc bulletin tsb recall campanha kit cert certificate certificado id atualizado "
    "atualizada updated update flashed reprogramado reprogramada build".split()
)
# Entity types a code word can explain away (names, e-mails and documents with check digits cannot be codes).
CODE_SHAPED = frozenset({"PHONE_NUMBER", "IP_ADDRESS"})
_WINDOW = 30


def code_word_before(text: str, start: int, reach: int = 1) -> bool:
    """One of the ``reach`` words before ``start`` (or the one before a "no."/"#", or before a brand) names a code.

    A maker's name may stand between the word and the number: "peça Sachs 3000 951 095", "part Bosch 0 986 494";
    a brand is written capitalised (not in capitals: "KIT, TEL +55 21 ..." is a phone after a phone word).
    """
    written = [w.strip(":#.,;()[]") for w in text[max(0, start - _WINDOW) : start].split()]
    written = [w for w in written if w]
    words = [w.lower() for w in written]
    if not words:
        return False
    if any(w in CODE_WORDS for w in words[-reach:]):
        return True
    if len(words) > 1 and words[-2] in CODE_WORDS and _is_brand(written[-1]):
        return True
    return len(words) > 1 and words[-1] in {"no", "nº", "n", "number", "numero", "número"} and words[-2] in CODE_WORDS


# Words that announce a phone: never a brand between a code word and a number.
_PHONE_WORDS = frozenset("tel tel. fone telefone cel celular phone ph callback whatsapp wpp contato contact".split())


def _is_brand(word: str) -> bool:
    """Capitalised like a maker's name ("Sachs", "Bosch"), and not a phone word."""
    return word.isalpha() and word[0].isupper() and word[1:].islower() and word.lower() not in _PHONE_WORDS


def without_codes(text: str, results: list[RecognizerResult]) -> list[RecognizerResult]:
    """``results`` minus phone- and IP-shaped matches that a code word introduces.

    A dotted quad is an IP address or a version number; "updated to 17.37.2.20"
    says which from up to three words away, a phone needs the word right before it.
    """
    return [r for r in results if r.entity_type not in CODE_SHAPED or not _introduced_as_code(text, r)]


def _introduced_as_code(text: str, result: RecognizerResult) -> bool:
    if result.entity_type != "IP_ADDRESS":
        return code_word_before(text, result.start)
    before = text[max(0, result.start - _WINDOW) : result.start].lower().split()
    return not (before and before[-1].strip(":#") == "ip") and code_word_before(text, result.start, reach=3)


def without_numbers_in_addresses(results: list[RecognizerResult]) -> list[RecognizerResult]:
    """Phone-shaped matches inside a street address are its house and postal numbers, not a phone."""
    addresses = [r for r in results if r.entity_type == "STREET_ADDRESS"]
    return [
        r
        for r in results
        if r.entity_type not in CODE_SHAPED or not any(a.start <= r.start and r.end <= a.end for a in addresses)
    ]

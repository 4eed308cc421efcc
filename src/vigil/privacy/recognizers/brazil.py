"""Brazilian identifiers under LGPD: CPF, CNPJ (check digits) and phone numbers (area codes).

Each pattern only proposes a candidate; ``validate_result`` decides, so a
repair-order or part number with the right shape but wrong check digits is
not masked (and so not destroyed for the model).
"""

from __future__ import annotations

import re

from presidio_analyzer import Pattern

from vigil.check_digits import is_valid_cnpj, is_valid_cpf
from vigil.privacy.recognizers.base import DeclaredPatternRecognizer

# ANATEL area codes (DDD) in use; anything else is not a Brazilian phone number.
VALID_DDD = frozenset(
    int(d)
    for d in (
        "11 12 13 14 15 16 17 18 19 21 22 24 27 28 31 32 33 34 35 37 38 41 42 43 44 45 46 47 48 49 "
        "51 53 54 55 61 62 63 64 65 66 67 68 69 71 73 74 75 77 79 81 82 83 84 85 86 87 88 89 "
        "91 92 93 94 95 96 97 98 99"
    ).split()
)


class CpfRecognizer(DeclaredPatternRecognizer):
    ENTITY = "BR_CPF"
    MIN_DIGITS = 11
    """CPF (Cadastro de Pessoas Físicas): 11 digits, optionally 000.000.000-00, valid check digits."""

    PATTERNS = [
        Pattern("CPF formatted", r"\b\d{3}\.\d{3}\.\d{3}-\d{2}\b", 0.5),
        Pattern("CPF digits", r"(?<!\d)(?<!\d[.-])\d{11}(?!\d)(?![.-]\d)", 0.3),
        Pattern("CPF in spaced groups", r"(?<![\d.-])\d{3}[ .]\d{3}[ .]\d{3}[ .-]\d{2}(?![\d.-])", 0.5),
    ]
    CONTEXT = ["cpf", "contribuinte", "documento", "doc", "cadastro"]

    def validate_result(self, pattern_text: str) -> bool:
        return is_valid_cpf(pattern_text)


class CnpjRecognizer(DeclaredPatternRecognizer):
    ENTITY = "BR_CNPJ"
    MIN_DIGITS = 14
    """CNPJ (companies, e.g. a fleet customer): 14 digits, optionally 00.000.000/0000-00, valid check digits."""

    PATTERNS = [
        Pattern("CNPJ formatted", r"\b\d{2}\.\d{3}\.\d{3}/\d{4}-\d{2}\b", 0.5),
        Pattern("CNPJ digits", r"(?<!\d)(?<!\d[./-])\d{14}(?!\d)(?![./-]\d)", 0.3),
    ]
    CONTEXT = ["cnpj", "empresa", "frota", "razao", "social"]

    def validate_result(self, pattern_text: str) -> bool:
        return is_valid_cnpj(pattern_text)


class BrPhoneRecognizer(DeclaredPatternRecognizer):
    ENTITY = "PHONE_NUMBER"
    MIN_DIGITS = 10
    """Brazilian landline and mobile numbers with area code: (11) 98765-4321, +55 11 3456-7890, 11 98765-4321."""

    PATTERNS = [
        Pattern(
            "BR phone",
            r"(?<![\w+])(?:\+55[\s-]?)?\(?\d{2}\)?[\s-]?(?:9\d{4}|[2-5]\d{3})-?\d{4}\b",
            0.4,
        ),
    ]
    CONTEXT = ["tel", "telefone", "cel", "celular", "fone", "whatsapp", "contato", "ligar", "phone"]
    _DIGITS = re.compile(r"\d")

    def validate_result(self, pattern_text: str) -> bool:
        digits = "".join(self._DIGITS.findall(pattern_text))
        if digits.startswith("55") and len(digits) in (12, 13):
            digits = digits[2:]
        if len(digits) not in (10, 11):
            return False
        if len(digits) == 11 and digits[2] != "9":
            return False
        return int(digits[:2]) in VALID_DDD

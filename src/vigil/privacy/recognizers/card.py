"""Payment card numbers of every length issuers use (12-19 digits), validated by the Luhn check.

presidio's credit-card pattern expects the common 16-digit layouts; 19-digit
Visa, 15-digit JCB/Amex and 12-digit Maestro numbers pass unseen. Any digit run
of 12-19 digits (optionally in groups of 4) is a candidate; the Luhn check
rejects nine in ten random numbers, and what remains counts as a card only
with an issuer prefix (Visa 4, Mastercard 51-55/22-27, Amex 34/37, Discover 6,
JCB 35/2131/1800, Maestro 50/56-69) or a card word before it.
"""

from __future__ import annotations

import re

from presidio_analyzer import Pattern

from vigil.privacy.recognizers.base import DeclaredPatternRecognizer

_ISSUER = re.compile(r"^(?:4|5[0-9]|2[2-7]|3[47]|35|6|2131|1800)")


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


class CardNumberRecognizer(DeclaredPatternRecognizer):
    ENTITY = "CREDIT_CARD"
    MIN_DIGITS = 12
    PATTERNS = [
        Pattern("card digits", r"(?<![\d.-])\d{12,19}(?![\d.-])", 0.45),
        Pattern("card in groups", r"(?<![\d.-])\d{4}(?:[ -]\d{4}){2,3}(?:[ -]\d{1,3})?(?![\d.-])", 0.45),
    ]
    CONTEXT = ["card", "cartao", "cartão", "cc", "credit", "credito", "crédito", "visa", "mastercard", "amex", "debit"]

    def validate_result(self, pattern_text: str) -> bool:
        digits = re.sub(r"\D", "", pattern_text)
        return 12 <= len(digits) <= 19 and luhn_valid(digits) and _ISSUER.match(digits) is not None

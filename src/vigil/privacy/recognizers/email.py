"""E-mail addresses written to dodge spam filters: "joao at gmail dot com", "joao[at]empresa.com.br".

presidio's e-mail recognizer needs a literal ``user@domain.tld``. People also
write the "@" and the dots as words or brackets, or put spaces around them
("maria.silva @ hotmail.com"). A candidate needs a user part, an at-sign in
any of those forms, and a domain ending in a top-level domain (com, br, org,
net, ...), which keeps "meet at home dot" and "at 3pm" out.
"""

from __future__ import annotations

import re

from presidio_analyzer import Pattern

from vigil.privacy.recognizers.base import DeclaredPatternRecognizer

_AT = r"(?:\s*@\s*|\s*[\[\(\{<]\s*(?:at|arroba)\s*[\]\)\}>]\s*|\s+(?:at|arroba)\s+)"
_DOT = r"(?:\s*\.\s*|\s*[\[\(\{<]\s*(?:dot|ponto)\s*[\]\)\}>]\s*|\s+(?:dot|ponto)\s+)"
_TLD = r"(?:com|net|org|edu|gov|mil|int|info|biz|io|co|br|pt|us|uk|de|fr|es|it|nl|ar|mx|cl|ca|au|jp|in|me)"
_USER = r"[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}"
_LABEL = r"[A-Za-z0-9-]{1,63}"


class ObfuscatedEmailRecognizer(DeclaredPatternRecognizer):
    ENTITY = "EMAIL_ADDRESS"
    PATTERNS = [
        Pattern(
            "e-mail with spelled or spaced at/dot", rf"\b{_USER}{_AT}{_LABEL}(?:{_DOT}{_LABEL})*{_DOT}{_TLD}\b", 0.6
        )
    ]
    CONTEXT = ["email", "e-mail", "mail", "correio", "contato", "contact"]
    NEEDS_DIGIT = False

    def validate_result(self, pattern_text: str) -> bool | None:
        # A literal user@domain.tld is presidio's EmailRecognizer's; this one only adds the disguised forms.
        return None if re.search(r"\s|\[|\(|\{|<|\bat\b|\barroba\b|\bdot\b|\bponto\b", pattern_text, re.I) else False

"""A pattern recognizer declared by class attributes, so each recognizer states only what differs."""

from __future__ import annotations

import re
from typing import ClassVar

from presidio_analyzer import Pattern, PatternRecognizer

_DIGIT = re.compile(r"\d")


class DeclaredPatternRecognizer(PatternRecognizer):
    """Subclasses set ENTITY, PATTERNS, CONTEXT and (optionally) REGEX_FLAGS and ``validate_result``."""

    ENTITY: ClassVar[str]
    PATTERNS: ClassVar[list[Pattern]]
    CONTEXT: ClassVar[list[str]]
    REGEX_FLAGS: ClassVar[int] = re.DOTALL | re.MULTILINE | re.IGNORECASE  # presidio's default
    # Every pattern needs a digit (documents, numbers, plates, codes): notes without one are skipped unread,
    # and so are notes with fewer digits than any match holds (a CPF has 11).
    NEEDS_DIGIT: ClassVar[bool] = True
    MIN_DIGITS: ClassVar[int] = 1

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entity=self.ENTITY,
            patterns=self.PATTERNS,
            context=self.CONTEXT,
            supported_language=supported_language,
            global_regex_flags=self.REGEX_FLAGS,
            name=type(self).__name__,
        )

    def analyze(self, text, entities, nlp_artifacts=None, regex_flags=None):  # noqa: D102 - presidio's contract
        if self.NEEDS_DIGIT and (_DIGIT.search(text) is None or sum(c.isdigit() for c in text) < self.MIN_DIGITS):
            return []
        return super().analyze(text, entities, nlp_artifacts, regex_flags)

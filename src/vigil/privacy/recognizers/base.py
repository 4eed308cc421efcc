"""A pattern recognizer declared by class attributes, so each recognizer states only what differs."""

from __future__ import annotations

import re
from typing import ClassVar

from presidio_analyzer import Pattern, PatternRecognizer


class DeclaredPatternRecognizer(PatternRecognizer):
    """Subclasses set ENTITY, PATTERNS, CONTEXT and (optionally) REGEX_FLAGS and ``validate_result``."""

    ENTITY: ClassVar[str]
    PATTERNS: ClassVar[list[Pattern]]
    CONTEXT: ClassVar[list[str]]
    REGEX_FLAGS: ClassVar[int] = re.DOTALL | re.MULTILINE | re.IGNORECASE  # presidio's default

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entity=self.ENTITY,
            patterns=self.PATTERNS,
            context=self.CONTEXT,
            supported_language=supported_language,
            global_regex_flags=self.REGEX_FLAGS,
            name=type(self).__name__,
        )

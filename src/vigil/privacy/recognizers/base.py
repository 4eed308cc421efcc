"""Recognizers declared by class attributes, so each states only what differs.

``DeclaredPatternRecognizer``: presidio patterns plus validation. ``SpanFunctionRecognizer``:
logic a pattern cannot express, written as a pure function of the text (testable
without presidio); the class only adapts its spans to presidio's results.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import ClassVar

from presidio_analyzer import AnalysisExplanation, EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

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


Span = tuple[int, int, float, str]  # start, end, score, the rule that matched


class SpanFunctionRecognizer(EntityRecognizer):
    """Subclasses set ENTITY and FIND (a pure function text -> spans) and, optionally, CONTEXT and NEEDS_DIGIT."""

    ENTITY: ClassVar[str]
    FIND: ClassVar[Callable[[str], list[Span]]]
    CONTEXT: ClassVar[list[str]] = []
    NEEDS_DIGIT: ClassVar[bool] = False
    name: str  # set by EntityRecognizer.__init__ (untyped there)

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entities=[self.ENTITY],
            supported_language=supported_language,
            name=type(self).__name__,
            context=list(self.CONTEXT) or None,
        )

    def load(self) -> None:  # noqa: D102 - the functions build what they need on first use
        pass

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if self.ENTITY not in entities or (self.NEEDS_DIGIT and _DIGIT.search(text) is None):
            return []
        return [
            RecognizerResult(
                self.ENTITY,
                start,
                end,
                score,
                analysis_explanation=AnalysisExplanation(self.name, score, textual_explanation=rule),
                recognition_metadata={
                    RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                    RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                },
            )
            for start, end, score, rule in type(self).FIND(text)
        ]

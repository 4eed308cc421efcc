"""Vehicle identifiers: VIN/chassis numbers and licence plates (Brazil and US).

A VIN identifies a vehicle and, through registration, its owner: personal data
under GDPR/LGPD. North-American VINs (WMI starting 1-5) carry a mandatory check
digit that is validated; elsewhere (e.g. Brazilian 9B... chassis) the digit is
not mandatory, so the pattern needs a context word or a plausible mix.

Plates are matched case-aware: presidio's patterns ignore case by default,
which turns ordinary lower-case words plus numbers into "plates". Here plates
must be upper case, except in notes written entirely in lower case, where case
carries no information.
"""

from __future__ import annotations

import re

from presidio_analyzer import Pattern, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from vigil.check_digits import is_valid_vin_check_digit
from vigil.privacy.recognizers.base import DeclaredPatternRecognizer


class VinRecognizer(DeclaredPatternRecognizer):
    ENTITY = "VIN"
    REGEX_FLAGS = re.IGNORECASE
    PATTERNS = [Pattern("VIN", r"\b[A-HJ-NPR-Z0-9]{17}\b", 0.5)]
    CONTEXT = ["vin", "chassi", "chassis", "serial", "vehicle", "veiculo"]

    def validate_result(self, pattern_text: str) -> bool | None:
        vin = pattern_text.upper()
        digits = sum(c.isdigit() for c in vin)
        if digits < 2 or digits == 17:
            return False  # not alphanumeric enough to be a VIN (e.g. a 17-digit number)
        if vin[0] in "12345":
            return is_valid_vin_check_digit(vin)
        return None  # check digit not mandatory: keep the pattern score (context can raise it)


_CUE_WINDOW = 12


_GROUPED = "plate in two groups"


class LicensePlateRecognizer(DeclaredPatternRecognizer):
    ENTITY = "LICENSE_PLATE"
    REGEX_FLAGS = 0  # case-sensitive: see module docstring
    PATTERNS = [
        Pattern("BR Mercosul plate", r"\b[A-Z]{3}[0-9][A-Z][0-9]{2}\b", 0.6),
        Pattern("BR/US plate with dash", r"\b[A-Z]{3}-[0-9]{4}\b", 0.6),
        Pattern("US plate (CA style)", r"\b[1-9][A-Z]{3}[0-9]{3}\b", 0.5),
        Pattern("BR old plate", r"\b[A-Z]{3}[0-9]{4}\b", 0.3),
        # "FZE 3836", "AB1-C234": letters and digits in two groups; too close to equipment ids to count
        # without a plate word ("placa", "plate", "tag") before it.
        Pattern(_GROUPED, r"\b(?=[A-Z0-9]*[A-Z][A-Z0-9]*[ -])[A-Z0-9]{2,4}[ -][A-Z0-9]{3,4}\b(?<=\d)", 0.3),
    ]
    CONTEXT = ["plate", "placa", "lic", "license", "licence", "tag", "registration", "emplacamento"]

    def _cued_if_grouped(self, text: str, result: RecognizerResult) -> bool:
        """A two-group match ("FZE 3836") counts only right after a plate word ("placa", "plate", "tag")."""
        explanation = result.analysis_explanation
        if explanation is None or explanation.pattern_name != _GROUPED:
            return True
        before = text[max(0, result.start - _CUE_WINDOW) : result.start].lower().split()
        return bool(before) and before[-1].strip(".:#") in self.CONTEXT

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None, regex_flags: int | None = None
    ) -> list[RecognizerResult]:
        # Upper-casing is length-preserving for the ASCII characters plates use, so offsets stay valid.
        if text.islower():
            return super().analyze(text.upper(), entities, nlp_artifacts, regex_flags)
        results = [
            r for r in super().analyze(text, entities, nlp_artifacts, regex_flags) if self._cued_if_grouped(text, r)
        ]
        lowered = text.lower()
        for result in super().analyze(text.upper(), entities, nlp_artifacts, regex_flags):
            # A lower-case plate in a mixed-case note counts only right after a plate word ("placa abc1d23").
            before = lowered[max(0, result.start - _CUE_WINDOW) : result.start].split()
            if before and before[-1].strip(".:#") in self.CONTEXT and not any(r.start == result.start for r in results):
                results.append(result)
        return results

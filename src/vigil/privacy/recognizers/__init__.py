"""Recognizers presidio lacks, each validating what its pattern finds.

``RECOGNIZERS`` is the single place that lists them, so the scrubber and the
residual scan register the same implementations; each class declares the entity
type it finds (a row of :mod:`vigil.privacy.entities`).
"""

from __future__ import annotations

from collections.abc import Callable

from presidio_analyzer import EntityRecognizer

from vigil.privacy.recognizers.address import StreetAddressRecognizer
from vigil.privacy.recognizers.brazil import BrPhoneRecognizer, CnpjRecognizer, CpfRecognizer
from vigil.privacy.recognizers.card import CardNumberRecognizer
from vigil.privacy.recognizers.email import ObfuscatedEmailRecognizer
from vigil.privacy.recognizers.person import PersonNameRecognizer
from vigil.privacy.recognizers.phone import InternationalPhoneRecognizer
from vigil.privacy.recognizers.reference import ReferenceNumberRecognizer
from vigil.privacy.recognizers.vehicle import LicensePlateRecognizer, VinRecognizer

# Classes whose constructor takes ``supported_language`` (presidio's EntityRecognizer itself needs more).
RECOGNIZERS: tuple[Callable[..., EntityRecognizer], ...] = (
    CpfRecognizer,
    CnpjRecognizer,
    BrPhoneRecognizer,
    InternationalPhoneRecognizer,
    CardNumberRecognizer,
    ObfuscatedEmailRecognizer,
    VinRecognizer,
    LicensePlateRecognizer,
    StreetAddressRecognizer,
    ReferenceNumberRecognizer,
    PersonNameRecognizer,
)


def build_custom_recognizers(language: str = "en") -> list[EntityRecognizer]:
    return [recognizer(supported_language=language) for recognizer in RECOGNIZERS]

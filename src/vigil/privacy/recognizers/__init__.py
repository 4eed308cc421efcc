"""Recognizers presidio lacks, each validating what its pattern finds.

``build_custom_recognizers`` is the single place that lists them, so the
scrubber and the residual scan register the same implementations.
"""

from __future__ import annotations

from presidio_analyzer import EntityRecognizer

from vigil.privacy.recognizers.address import StreetAddressRecognizer
from vigil.privacy.recognizers.brazil import BrPhoneRecognizer, CnpjRecognizer, CpfRecognizer
from vigil.privacy.recognizers.person import PersonNameRecognizer
from vigil.privacy.recognizers.vehicle import LicensePlateRecognizer, VinRecognizer

CUSTOM_ENTITIES = ("BR_CPF", "BR_CNPJ", "VIN", "LICENSE_PLATE", "STREET_ADDRESS", "PHONE_NUMBER", "PERSON")


def build_custom_recognizers(language: str = "en") -> list[EntityRecognizer]:
    return [
        CpfRecognizer(supported_language=language),
        CnpjRecognizer(supported_language=language),
        BrPhoneRecognizer(supported_language=language),
        VinRecognizer(supported_language=language),
        LicensePlateRecognizer(supported_language=language),
        StreetAddressRecognizer(supported_language=language),
        PersonNameRecognizer(supported_language=language),
    ]

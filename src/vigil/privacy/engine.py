"""The offline presidio analyzer the scrubber uses (the residual scan uses none: :mod:`vigil.privacy.residual`).

``AnalyzerEngine()`` with no arguments tries to download a spaCy model; here
every engine is built explicitly from installed packages. The registry holds
only recognizers for configured entity types, phone numbers are parsed only for
the configured regions, and PT-BR notes go through the same English pipeline
(no Portuguese spaCy model is published on PyPI) with Portuguese context words
carried by the recognizers.
"""

from __future__ import annotations

import re

from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerRegistry
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    EmailRecognizer,
    IbanRecognizer,
    IpRecognizer,
    PhoneRecognizer,
    UsSsnRecognizer,
)

from vigil.privacy.config import ScrubConfig
from vigil.privacy.name_model import NameModel, load_name_model
from vigil.privacy.nlp_engine import ScopedSpacyNlpEngine
from vigil.privacy.recognizers import build_custom_recognizers
from vigil.privacy.recognizers.learned_person import LearnedNameRecognizer
from vigil.privacy.recognizers.ner_person import NerPersonRecognizer

# Portuguese context words for presidio's own recognizers.
_PT_CONTEXT = {
    "EMAIL_ADDRESS": ["email", "e-mail", "correio"],
    "PHONE_NUMBER": ["tel", "telefone", "cel", "celular", "fone", "callback", "ph"],
    "CREDIT_CARD": ["cartao", "cartão", "card", "cc", "credito"],
    "IP_ADDRESS": ["ip", "telematics", "modulo"],
}


class GuardedPhoneRecognizer(PhoneRecognizer):
    """presidio's phonenumbers-based recognizer, skipped on texts with too few digits to hold a number.

    Parsing every note with phonenumbers' matcher is the most expensive recognizer
    per text; notes without a phone-shaped digit run are skipped before it runs.
    """

    # Phone-shaped digit runs for North American (3-3-4) and Brazilian ((2) 4/5-4) numbers,
    # or any international "+": part numbers, dates, CPFs and short codes do not qualify.
    _CANDIDATE = re.compile(r"\+\d|\(?\b\d{2,3}\)?[\s.-]?\d{3,5}[\s.-]?\d{4}\b")
    _IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")

    def analyze(self, text, entities, nlp_artifacts=None):  # noqa: D102 - same contract as PhoneRecognizer
        if not self._CANDIDATE.search(text):
            return []
        results = super().analyze(text, entities, nlp_artifacts)
        return [r for r in results if not self._IPV4.fullmatch(text[r.start : r.end])]


class GuardedIbanRecognizer(IbanRecognizer):
    """presidio's IBAN recognizer, skipped unless the note has a country code followed by check digits."""

    _CANDIDATE = re.compile(r"\b[A-Za-z]{2}\d{2}")

    def analyze(self, text, entities, nlp_artifacts=None, regex_flags=None):  # noqa: D102 - same contract
        if not self._CANDIDATE.search(text):
            return []
        upper = text.upper()  # "iban de89 3704 ...": IBANs are upper case by standard, not always by hand
        return super().analyze(upper if len(upper) == len(text) else text, entities, nlp_artifacts, regex_flags)


class _NeedsCharacter:
    """Skips presidio's recognizer on notes without the character every match contains (most notes)."""

    NEEDED: re.Pattern[str]

    def analyze(self, text, entities, nlp_artifacts=None, regex_flags=None):  # noqa: D102 - same contract
        if self.NEEDED.search(text) is None:
            return []
        return super().analyze(text, entities, nlp_artifacts, regex_flags)


class GuardedEmailRecognizer(_NeedsCharacter, EmailRecognizer):
    NEEDED = re.compile("@")


class GuardedCreditCardRecognizer(_NeedsCharacter, CreditCardRecognizer):
    NEEDED = re.compile(r"\d")


class GuardedIpRecognizer(_NeedsCharacter, IpRecognizer):
    NEEDED = re.compile(r"\d\.|:")


class GuardedUsSsnRecognizer(_NeedsCharacter, UsSsnRecognizer):
    NEEDED = re.compile(r"\d")


def _presidio_recognizers(config: ScrubConfig, phone_regions: tuple[str, ...]) -> list[EntityRecognizer]:
    language = config.language
    recognizers: list[EntityRecognizer] = [
        GuardedEmailRecognizer(supported_language=language, context=_PT_CONTEXT["EMAIL_ADDRESS"]),
        GuardedCreditCardRecognizer(supported_language=language, context=_PT_CONTEXT["CREDIT_CARD"]),
        GuardedIpRecognizer(supported_language=language, context=_PT_CONTEXT["IP_ADDRESS"]),
        GuardedIbanRecognizer(supported_language=language),
        GuardedUsSsnRecognizer(supported_language=language),
    ]
    recognizers.append(
        GuardedPhoneRecognizer(
            supported_language=language, context=_PT_CONTEXT["PHONE_NUMBER"], supported_regions=list(phone_regions)
        )
    )
    return recognizers


def _configured(config: ScrubConfig, recognizers: list[EntityRecognizer]) -> list[EntityRecognizer]:
    """Only recognizers for entity types the configuration asks for."""
    return [r for r in recognizers if set(r.supported_entities) & set(config.entities)]


def _registry(config: ScrubConfig, recognizers: list[EntityRecognizer]) -> RecognizerRegistry:
    registry = RecognizerRegistry(supported_languages=[config.language])
    for recognizer in _configured(config, recognizers):
        registry.add_recognizer(recognizer)
    return registry


def _scrub_recognizers(config: ScrubConfig) -> list[EntityRecognizer]:
    recognizers = _presidio_recognizers(config, config.phone_regions) + build_custom_recognizers(config.language)
    vouch = config.name_vouch_threshold if config.name_model_path else None
    if config.ner_scope != "none":
        recognizers.append(NerPersonRecognizer(supported_language=config.language, vouch_threshold=vouch))
    if config.name_model_path:
        recognizers.append(
            LearnedNameRecognizer(
                config.name_threshold, config.name_weak_case_threshold, supported_language=config.language
            )
        )
    return recognizers


def scrub_recognizer_names(config: ScrubConfig) -> list[str]:
    """Names of the recognizers the scrubber registers (for the report), without loading spaCy."""
    return [r.name for r in _registry(config, _scrub_recognizers(config)).recognizers]  # type: ignore[has-type]


def build_scrub_analyzer(config: ScrubConfig, name_model: NameModel | None = None) -> AnalyzerEngine:
    """The primary detector: spaCy NER (scoped) + the learned name model + presidio's and Vigil's recognizers.

    ``name_model`` is the model at ``scrub.name_model.path`` when the caller loaded it already (a Spark executor
    gets it inside its task and reads nothing from the workspace).
    """
    if name_model is None and config.name_model_path:
        name_model = load_name_model(config.name_model_path)
    nlp_engine = ScopedSpacyNlpEngine(
        config.spacy_model,
        config.language,
        config.ner_scope,
        config.batch_size,
        name_model=name_model,
        window_threshold=config.name_threshold,
    )
    nlp_engine.load()
    return AnalyzerEngine(
        nlp_engine=nlp_engine,
        registry=_registry(config, _scrub_recognizers(config)),
        supported_languages=[config.language],
    )

"""The personal-data entity types Vigil scrubs: the one table every other place derives from.

Each type names the words its placeholder (``<EMAIL_ADDRESS>``, ``<BR_CPF>``) leaves
in a token stream, so the report can mark those tokens as placeholders instead of
content words. Kept free of presidio imports: the report stage reads it too.

A new type is one row here plus a recognizer that supports it (one of presidio's in
``vigil.privacy.engine`` or Vigil's own in ``vigil.privacy.recognizers``);
``tests/test_privacy_recognizers.py`` checks that the two sides agree.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EntityType:
    name: str
    placeholder_words: tuple[str, ...]


ENTITY_TYPES: tuple[EntityType, ...] = (
    EntityType("PERSON", ("person",)),
    EntityType("EMAIL_ADDRESS", ("email", "email_address")),
    EntityType("PHONE_NUMBER", ("phone_number",)),
    EntityType("CREDIT_CARD", ("credit_card",)),
    EntityType("IP_ADDRESS", ("ip", "ip_address")),
    EntityType("IBAN_CODE", ("iban", "iban_code")),
    EntityType("US_SSN", ("ssn", "us_ssn")),
    EntityType("BR_CPF", ("cpf", "br_cpf")),
    EntityType("BR_CNPJ", ("cnpj", "br_cnpj")),
    EntityType("VIN", ("vin",)),
    EntityType("LICENSE_PLATE", ("license_plate",)),
    EntityType("STREET_ADDRESS", ("street_address",)),
    # Repair-order, service-order, claim, invoice and customer numbers: keys that lead to a person.
    EntityType("REFERENCE_NUMBER", ("reference", "reference_number")),
)
SUPPORTED_ENTITIES: tuple[str, ...] = tuple(entity.name for entity in ENTITY_TYPES)
# "pii": the generic placeholder of the synthetic data's gold spans.
PLACEHOLDER_WORDS: frozenset[str] = frozenset(
    word for entity in ENTITY_TYPES for word in entity.placeholder_words
) | frozenset({"pii"})


# `scrub: pseudonymize` writes <ENTITY_3f9a1c0b2e>: the type and the first hex digits of a keyed hash.
PSEUDONYM_HEX_CHARS = 10


def pseudonym_placeholder(entity: str, hex_digest: str) -> str:
    """The pseudonym's form, here so readers of scrubbed text need not import presidio to know it."""
    return f"<{entity}_{hex_digest[:PSEUDONYM_HEX_CHARS]}>"

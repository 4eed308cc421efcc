"""Replacement operators: typed placeholder, keyed pseudonym, or placeholder + encrypted vault entry.

* ``replace``      -> ``<PERSON>``: nothing about the value survives.
* ``pseudonymize`` -> ``<PERSON_3f9a1c0b2e>``: HMAC-SHA256 of the normalised value
  under a secret key, so one customer maps to one token across records (useful
  for the model and for joins) while the value cannot be recovered without the key.
* ``encrypt``      -> ``<PERSON>`` in the text, and AES ciphertext of the value in a
  separate re-identification vault with the placeholder's offsets, for lawful
  re-identification by whoever holds the key. Ciphertext never enters the
  training data.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Callable

from presidio_anonymizer.entities import OperatorConfig
from presidio_anonymizer.operators.aes_cipher import AESCipher

from vigil.privacy.entities import pseudonym_placeholder

_DIGIT_ENTITIES = {"PHONE_NUMBER", "CREDIT_CARD", "BR_CPF", "BR_CNPJ", "US_SSN", "IBAN_CODE"}


def placeholder(entity: str) -> str:
    return f"<{entity}>"


def normalise_value(entity: str, value: str) -> str:
    """Canonical form so formatting variants of one value share a pseudonym ('(11) 9...' == '11 9...')."""
    if entity in _DIGIT_ENTITIES:
        digits = re.sub(r"\D", "", value)
        return digits[2:] if entity == "PHONE_NUMBER" and digits.startswith("55") and len(digits) > 11 else digits
    folded = unicodedata.normalize("NFKD", value.casefold())
    return " ".join("".join(c for c in folded if not unicodedata.combining(c)).split())


def pseudonym(key: bytes, entity: str, value: str) -> str:
    digest = hmac.new(key, f"{entity}\0{normalise_value(entity, value)}".encode(), hashlib.sha256).hexdigest()
    return pseudonym_placeholder(entity, digest)


def encrypt_value(key: bytes, value: str) -> str:
    """AES-CBC with a random IV (presidio-anonymizer's cipher), base64 text."""
    return AESCipher.encrypt(key, value)


def decrypt_value(key: bytes, ciphertext: str) -> str:
    return AESCipher.decrypt(key, ciphertext)


def operator_configs(
    operators: dict[str, str], pseudonym_key: bytes | None, vault_sink: Callable[[str, str], None] | None
) -> dict[str, OperatorConfig]:
    """presidio-anonymizer operator configs per entity; keyed operators get their key bound in."""
    configs: dict[str, OperatorConfig] = {}
    for entity, op in operators.items():
        if op == "replace":
            configs[entity] = OperatorConfig("replace", {"new_value": placeholder(entity)})
        elif op == "pseudonymize":
            assert pseudonym_key is not None
            configs[entity] = OperatorConfig("custom", {"lambda": lambda v, e=entity: pseudonym(pseudonym_key, e, v)})
        else:  # encrypt: the sink records the value, the text gets the placeholder
            assert vault_sink is not None

            def record(value: str, e: str = entity) -> str:
                vault_sink(e, value)
                return placeholder(e)

            configs[entity] = OperatorConfig("custom", {"lambda": record})
    configs["DEFAULT"] = OperatorConfig("replace", {"new_value": "<PII>"})
    return configs

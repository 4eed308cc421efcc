"""Operators and keys: replace, keyed pseudonyms, the re-identification vault, and refusing to run without keys."""

import pytest

from vigil.errors import VigilError
from vigil.privacy.config import ScrubConfig, key_from_env
from vigil.privacy.operators import decrypt_value, pseudonym
from vigil.privacy.scrubber import Scrubber

KEY_HEX = "7f" * 32
AES_HEX = "a1" * 32
TEXTS = [
    "cliente Maria Pereira tel (11) 98765-4321 CPF 529.982.247-25",
    "MARIA PEREIRA LIGOU DE NOVO, TEL 11 98765-4321",
    "cust James Smith callback (212) 555-0199",
]
OPERATORS = {"default": "replace", "PERSON": "encrypt", "PHONE_NUMBER": "pseudonymize", "BR_CPF": "pseudonymize"}


def test_replace_is_the_default_and_leaves_only_types():
    out = Scrubber(ScrubConfig.from_params({})).scrub_batch(TEXTS[:1])
    assert out.texts == ["cliente <PERSON> tel <PHONE_NUMBER> CPF <BR_CPF>"]
    assert out.entity_counts == {"PERSON": 1, "PHONE_NUMBER": 1, "BR_CPF": 1} and out.records_with_pii == 1


def test_pseudonyms_are_stable_across_formats_and_records_and_vault_decrypts(monkeypatch):
    monkeypatch.setenv("VIGIL_PSEUDONYM_KEY", KEY_HEX)
    monkeypatch.setenv("VIGIL_REID_KEY", AES_HEX)
    out = Scrubber(ScrubConfig.from_params({"operators": OPERATORS})).scrub_batch(TEXTS)
    phone = pseudonym(bytes.fromhex(KEY_HEX), "PHONE_NUMBER", "(11) 98765-4321")
    assert phone in out.texts[0] and phone in out.texts[1], "one customer, one token, whatever the format"
    assert "Maria" not in " ".join(out.texts) and "<PERSON>" in out.texts[0]
    names = {(v.row, decrypt_value(bytes.fromhex(AES_HEX), v.ciphertext)) for v in out.vault}
    assert names == {(0, "Maria Pereira"), (1, "MARIA PEREIRA"), (2, "James Smith")}
    for entry in out.vault:
        assert out.texts[entry.row][entry.start : entry.end] == "<PERSON>"


def test_pseudonym_depends_on_the_key():
    assert pseudonym(b"k" * 32, "PERSON", "Ana Lima") != pseudonym(b"j" * 32, "PERSON", "Ana Lima")
    assert pseudonym(b"k" * 32, "PERSON", "Ana Lima") == pseudonym(b"k" * 32, "PERSON", "ANA  LIMA")


def test_keyed_operators_refuse_to_run_without_a_usable_key(monkeypatch):
    monkeypatch.delenv("VIGIL_PSEUDONYM_KEY", raising=False)
    config = ScrubConfig.from_params({"operators": {"default": "replace", "PERSON": "pseudonymize"}})
    with pytest.raises(VigilError, match=r"uses 'pseudonymize' for \['PERSON'\] but \$VIGIL_PSEUDONYM_KEY is not set"):
        Scrubber(config)
    monkeypatch.setenv("VIGIL_PSEUDONYM_KEY", "short")
    with pytest.raises(VigilError, match="at least 32 bytes"):
        key_from_env(config, "pseudonymize")
    monkeypatch.setenv("VIGIL_REID_KEY", "ab" * 7)
    encrypting = ScrubConfig.from_params({"operators": {"default": "replace", "PERSON": "encrypt"}})
    with pytest.raises(VigilError, match="AES key of 16, 24 or 32 bytes"):
        key_from_env(encrypting, "encrypt")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"entities": ["PERSON", "PASSPORT"]}, "unknown entity 'PASSPORT'"),
        ({"operators": {"PERSON": "shred"}}, "unknown operator 'shred'"),
        ({"entities": ["PERSON"], "operators": {"VIN": "replace"}}, "scrub.operators.VIN: not in scrub.entities"),
        ({"ner_scope": "sometimes"}, "ner_scope must be one of"),
    ],
)
def test_bad_config_fails_fast(params, message):
    with pytest.raises(VigilError, match=message):
        ScrubConfig.from_params(params)

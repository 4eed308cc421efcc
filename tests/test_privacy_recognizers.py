"""Each custom recognizer on what it must find and on the look-alikes it must leave alone."""

import pytest

from vigil.privacy.config import ScrubConfig
from vigil.privacy.scrubber import Scrubber


@pytest.fixture(scope="module")
def scrubber():
    return Scrubber(ScrubConfig.from_params({}))


def _found(scrubber, text):
    [results] = scrubber.analyze_batch([text])
    return {(text[r.start : r.end], r.entity_type) for r in results}


@pytest.mark.parametrize(
    ("text", "value", "entity"),
    [
        ("cliente informa CPF 529.982.247-25 no cadastro", "529.982.247-25", "BR_CPF"),
        ("cpf 52998224725. luz do abs acesa", "52998224725", "BR_CPF"),
        ("frota CNPJ 11.222.333/0001-81 veiculo parado", "11.222.333/0001-81", "BR_CNPJ"),
        ("VIN 1HGCM82633A004352 pulls left", "1HGCM82633A004352", "VIN"),
        ("chassi 9BWZZZ377VT004251 com ruido", "9BWZZZ377VT004251", "VIN"),
        ("placa ABC1D23 entrou guinchado", "ABC1D23", "LICENSE_PLATE"),
        ("Customer plate 7ABC123, brakes squeal", "7ABC123", "LICENSE_PLATE"),
        ("Lic abc-1234, owner waiting", "abc-1234", "LICENSE_PLATE"),
        ("cel (11) 98765-4321 retornar", "(11) 98765-4321", "PHONE_NUMBER"),
        ("fone +55 21 3456-7890", "+55 21 3456-7890", "PHONE_NUMBER"),
        ("pickup at 1019 Main St Apt 30 tomorrow", "1019 Main St Apt 30", "STREET_ADDRESS"),
        ("retirar em Rua das Flores, 123 amanha", "Rua das Flores, 123", "STREET_ADDRESS"),
        ("CLI RECLAMA FAROIS, MARIA PEREIRA LIGOU", "MARIA PEREIRA", "PERSON"),
        ("sra. fernanda nascimento deixou o carro", "fernanda nascimento", "PERSON"),
        ("Customer Xavi Quaresma called twice", "Xavi Quaresma", "PERSON"),
        ("email joao.silva@gmail.com", "joao.silva@gmail.com", "EMAIL_ADDRESS"),
        ("cc 4111 1111 1111 1111 on file", "4111 1111 1111 1111", "CREDIT_CARD"),
        ("RO# 52998224726 aberto", "52998224726", "REFERENCE_NUMBER"),  # an invalid CPF, still a repair order
        ("cust waiting, RO 626553 reopened", "626553", "REFERENCE_NUMBER"),
        ("OS nº 2024-00123 aberta pelo cliente", "2024-00123", "REFERENCE_NUMBER"),
    ],
)
def test_finds_personal_data(scrubber, text, value, entity):
    assert (value, entity) in _found(scrubber, text)


@pytest.mark.parametrize(
    "text",
    [
        "CPF 529.982.247-26 informado errado",  # wrong check digits
        "VIN 1HGCM82643A004352 typo in check digit",  # NA VIN with a wrong check digit
        "PN 30926-K0-7924 replaced, dtc P0301, sw v4.2.17",
        "tsb 21-045-19 applied, odo 45,210 mi, 03/15/2024",
        "Part code abc1d23 listed",  # lower-case plate shape in a mixed-case note, no plate word
        "cust states will price check the brake job",
        "motor falhando na estrada 12 km depois",
    ],
)
def test_leaves_lookalikes_alone(scrubber, text):
    assert _found(scrubber, text) == set()


def test_every_entity_type_has_a_recognizer_and_every_recognizer_a_declared_type(scrubber):
    """`vigil.privacy.entities` is the one list of types; the scrubber's registry must agree with it both ways."""
    from vigil.privacy.entities import PLACEHOLDER_WORDS, SUPPORTED_ENTITIES
    from vigil.privacy.recognizers import build_custom_recognizers

    registered = {entity for r in scrubber.analyzer.registry.recognizers for entity in r.supported_entities}
    assert set(SUPPORTED_ENTITIES) <= registered, f"no recognizer for {set(SUPPORTED_ENTITIES) - registered}"
    custom = {entity for r in build_custom_recognizers() for entity in r.supported_entities}
    assert custom <= set(SUPPORTED_ENTITIES), f"recognizers for undeclared types: {custom - set(SUPPORTED_ENTITIES)}"
    assert {entity.lower() for entity in SUPPORTED_ENTITIES} <= PLACEHOLDER_WORDS


RECORD_NUMBERS = ["626553", "2024-00123", "WC-123456", "20241234567"]


@pytest.mark.parametrize(
    "word", ["RO", "R/O", "work order", "claim", "invoice", "OS", "O.S.", "protocolo", "NF", "sinistro"]
)
def test_a_number_after_a_record_word_is_a_reference_in_any_case_and_marker(word):
    """Repair-order, claim and protocol numbers lead to a customer: every spelling a note uses is caught."""
    from vigil.privacy.recognizers.reference import find_references
    from vigil.privacy.residual import scan_text

    for number in RECORD_NUMBERS:
        for marker in ("", "#", " nº", ":", " no."):
            for cased in (word, word.lower(), word.upper()):
                text = f"veiculo liberado {cased}{marker} {number} ok"
                found = [text[s:e] for s, e, _, _ in find_references(text)]
                assert found == [number], text
                assert scan_text(text, None).get("REFERENCE_NUMBER") == 1, text  # the independent scan agrees


@pytest.mark.parametrize(
    "text",
    [
        "trocou os 4 pneus e os 2 discos",  # the Portuguese article, small counts
        "customer 2019 civic, order 2 sets of pads",  # a year, a quantity
        "os 120000 km de uso, claim 45000 mi",  # measurements
        "PN 30926-K0-7924, TSB 21-045-19, lote L2282, dtc P0301",  # part, bulletin, batch and fault codes
        "Lei nº 8.666/93 e art. 5º",  # law numbers (LeNER-Br legislation)
        "motor 12345 rpm no teste",
        "order no 1187342209 shipped, pedido 556677 do fornecedor",  # parts orders to a supplier
    ],
)
def test_numbers_that_are_not_record_references_stay(text):
    from vigil.privacy.recognizers.reference import find_references

    assert find_references(text) == []


def test_a_record_word_with_one_typo_still_names_a_record():
    from vigil.privacy.recognizers.reference import find_references, one_slip_apart

    for text, number in (
        ("invocie 88231 pago", "88231"),
        ("protocol 2023123456", "2023123456"),
        ("tikcet 55123", "55123"),
    ):
        assert [text[s:e] for s, e, _, _ in find_references(text)] == [number]
    assert one_slip_apart("invocie", "invoice") and not one_slip_apart("clamp", "claim")

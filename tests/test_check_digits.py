from vigil.check_digits import (
    cnpj_check_digits,
    cpf_check_digits,
    is_valid_cnpj,
    is_valid_cpf,
    is_valid_luhn,
    is_valid_vin_check_digit,
    vin_check_digit,
)


def test_cpf_known_values():
    assert cpf_check_digits("529982247") == "25"
    assert is_valid_cpf("529.982.247-25")
    assert is_valid_cpf("52998224725")
    assert not is_valid_cpf("529.982.247-26")
    assert not is_valid_cpf("111.111.111-11")  # arithmetic holds, but the Receita rejects it
    assert not is_valid_cpf("5299822472")


def test_cnpj_known_values():
    assert cnpj_check_digits("112223330001") == "81"
    assert is_valid_cnpj("11.222.333/0001-81")
    assert not is_valid_cnpj("11.222.333/0001-82")
    assert not is_valid_cnpj("00.000.000/0000-00")


def test_vin_check_digit():
    assert vin_check_digit("1HGCM82633A004352") == "3"
    assert is_valid_vin_check_digit("1HGCM82633A004352")
    assert not is_valid_vin_check_digit("1HGCM82643A004352")
    assert not is_valid_vin_check_digit("1HGCM82633A00435")  # 16 chars
    assert not is_valid_vin_check_digit("1HGCM82633A00435I")  # I is not a VIN character


def test_luhn():
    assert is_valid_luhn("4111 1111 1111 1111")
    assert not is_valid_luhn("4111 1111 1111 1112")

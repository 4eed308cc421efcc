"""Check-digit arithmetic for identifiers that carry their own validation.

Kept in one small shared module because two sides need exactly the same maths:
the synthetic generator must emit *valid* CPF/CNPJ/VIN/card numbers (a detector
that validates check digits would otherwise never fire on test data), and the
privacy recognizers must validate candidates to avoid flagging part numbers.
"""

from __future__ import annotations

_CNPJ_WEIGHTS_1 = (5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)
_CNPJ_WEIGHTS_2 = (6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_VIN_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
VIN_ALPHABET = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"


def _mod11_digit(digits: list[int], weights: tuple[int, ...]) -> int:
    """Brazilian mod-11 rule shared by CPF and CNPJ: remainder < 2 gives 0."""
    remainder = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
    return 0 if remainder < 2 else 11 - remainder


def cpf_check_digits(base9: str) -> str:
    """Return the two CPF check digits for a 9-digit base."""
    digits = [int(c) for c in base9]
    if len(digits) != 9:
        raise ValueError("CPF base must have 9 digits")
    first = _mod11_digit(digits, tuple(range(10, 1, -1)))
    second = _mod11_digit([*digits, first], tuple(range(11, 1, -1)))
    return f"{first}{second}"


def is_valid_cpf(value: str) -> bool:
    """True for an 11-digit CPF (punctuation ignored) with correct check digits.

    Repeated-digit numbers (000.000.000-00, 111...) satisfy the arithmetic but
    are invalid by the Receita Federal rules, so they are rejected.
    """
    digits = "".join(c for c in value if c.isdigit())
    if len(digits) != 11 or len(set(digits)) == 1:
        return False
    return cpf_check_digits(digits[:9]) == digits[9:]


def cnpj_check_digits(base12: str) -> str:
    """Return the two CNPJ check digits for a 12-digit base."""
    digits = [int(c) for c in base12]
    if len(digits) != 12:
        raise ValueError("CNPJ base must have 12 digits")
    first = _mod11_digit(digits, _CNPJ_WEIGHTS_1)
    second = _mod11_digit([*digits, first], _CNPJ_WEIGHTS_2)
    return f"{first}{second}"


def is_valid_cnpj(value: str) -> bool:
    """True for a 14-digit CNPJ (punctuation ignored) with correct check digits."""
    digits = "".join(c for c in value if c.isdigit())
    if len(digits) != 14 or len(set(digits)) == 1:
        return False
    return cnpj_check_digits(digits[:12]) == digits[12:]


def vin_check_digit(vin: str) -> str:
    """North-American VIN check digit (position 9) for a 17-character VIN."""
    vin = vin.upper()
    if len(vin) != 17 or any(c not in _VIN_VALUES for c in vin):
        raise ValueError("VIN must be 17 characters from 0-9 and A-Z without I, O, Q")
    total = sum(_VIN_VALUES[c] * w for c, w in zip(vin, _VIN_WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def is_valid_vin_check_digit(vin: str) -> bool:
    """True when position 9 holds the correct check digit (mandatory in North America only)."""
    try:
        return vin_check_digit(vin) == vin[8].upper()
    except ValueError:
        return False


def luhn_check_digit(partial: str) -> str:
    """Luhn digit to append to ``partial`` (payment card numbers)."""
    total = 0
    for position, char in enumerate(reversed(partial)):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str((10 - total % 10) % 10)


def is_valid_luhn(value: str) -> bool:
    """True when the digits of ``value`` pass the Luhn check."""
    digits = "".join(c for c in value if c.isdigit())
    return len(digits) >= 2 and luhn_check_digit(digits[:-1]) == digits[-1]

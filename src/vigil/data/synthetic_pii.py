"""Fake personal data for synthetic notes, valid where the real thing validates.

Every value is invented from a seeded ``random.Random``; identifiers that carry
check digits (CPF, CNPJ, North-American VINs, payment cards) get *correct*
check digits so that validating recognizers can be measured honestly. Brazilian
chassis numbers do not need a valid position-9 digit, so theirs is random, as
on real Brazilian vehicles.
"""

from __future__ import annotations

import random
import string
import unicodedata

from vigil.check_digits import (
    VIN_ALPHABET,
    cnpj_check_digits,
    cpf_check_digits,
    luhn_check_digit,
    vin_check_digit,
)
from vigil.data.synthetic_vocabulary import EMAIL_DOMAINS, FIRST_NAMES, LAST_NAMES, STREETS

_LETTERS_NO_IOQ = "ABCDEFGHJKLMNPRSTUVWXYZ"
_BR_AREA_CODES = ["11", "21", "31", "41", "51", "61", "71", "81", "85", "92"]
_US_AREA_CODES = ["212", "305", "312", "415", "503", "617", "713", "818", "904", "972"]


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def is_female_first_name(name: str, lang: str) -> bool:
    """The first-name lists alternate male/female, so the index parity gives the gender."""
    return FIRST_NAMES[lang].index(name.split()[0]) % 2 == 1


def honorific(rng: random.Random, name: str, lang: str) -> str:
    """'Mr.'/'Mrs.' or 'Sr.'/'Sra.' matching the first name, or a role word."""
    female = is_female_first_name(name, lang)
    if lang == "pt":
        return rng.choice(["Sra." if female else "Sr.", "cliente", "proprietaria" if female else "proprietario"])
    return rng.choice(["Mrs." if female else "Mr.", "customer", "cust", "owner"])


def person_name(rng: random.Random, lang: str) -> str:
    """'First Last', sometimes with a second surname as is common in Brazil."""
    first = rng.choice(FIRST_NAMES[lang])
    last = rng.choice(LAST_NAMES[lang])
    if lang == "pt" and rng.random() < 0.4:
        last = f"{rng.choice(LAST_NAMES[lang])} {last}"
    return f"{first} {last}"


def email_for(rng: random.Random, name: str) -> str:
    """Address derived from the name, stripped of accents like real mailboxes."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    parts = ascii_name.split()
    local = rng.choice([f"{parts[0]}.{parts[-1]}", f"{parts[0][0]}{parts[-1]}", f"{parts[0]}{rng.randint(1, 99)}"])
    return f"{local}@{rng.choice(EMAIL_DOMAINS)}"


def phone(rng: random.Random, country: str) -> str:
    """US or Brazilian phone number in one of the formats technicians write."""
    if country == "br":
        ddd = rng.choice(_BR_AREA_CODES)
        mobile = rng.random() < 0.7
        local = (
            f"9{_digits(rng, 4)}-{_digits(rng, 4)}"
            if mobile
            else f"{rng.randint(2, 5)}{_digits(rng, 3)}-{_digits(rng, 4)}"
        )
        return rng.choice([f"({ddd}) {local}", f"+55 {ddd} {local}", f"{ddd} {local}"])
    area = rng.choice(_US_AREA_CODES)
    exchange = f"{rng.randint(2, 9)}{_digits(rng, 2)}"
    line = _digits(rng, 4)
    return rng.choice([f"({area}) {exchange}-{line}", f"{area}-{exchange}-{line}", f"+1 {area} {exchange} {line}"])


def cpf(rng: random.Random) -> str:
    """Valid CPF, formatted (123.456.789-09) or bare, as both appear in notes."""
    base = _digits(rng, 9)
    number = base + cpf_check_digits(base)
    if rng.random() < 0.75:
        return f"{number[:3]}.{number[3:6]}.{number[6:9]}-{number[9:]}"
    return number


def cnpj(rng: random.Random) -> str:
    """Valid CNPJ of a head office (branch 0001) or a branch."""
    base = _digits(rng, 8) + rng.choice(["0001", "0002", f"{rng.randint(3, 99):04d}"])
    number = base + cnpj_check_digits(base)
    return f"{number[:2]}.{number[2:5]}.{number[5:8]}/{number[8:12]}-{number[12:]}"


def vin(rng: random.Random, country: str) -> str:
    """17-character VIN; North-American ones carry a valid check digit."""
    if country == "br":
        wmi = rng.choice(["9BW", "9BG", "93H", "9BD", "93Y"])
        body = "".join(rng.choice(VIN_ALPHABET) for _ in range(10))
        return wmi + body + _digits(rng, 4)  # ISO 3779: the last four characters are numeric
    wmi = rng.choice(["1HG", "1FT", "2T1", "3VW", "5YJ", "1G1", "JTD"])
    draft = (
        wmi
        + "".join(rng.choice(VIN_ALPHABET) for _ in range(5))
        + "0"
        + "".join(rng.choice(VIN_ALPHABET) for _ in range(4))
        + _digits(rng, 4)  # ISO 3779: the last four characters are numeric
    )
    return draft[:8] + vin_check_digit(draft) + draft[9:]


def licence_plate(rng: random.Random, country: str) -> str:
    """Brazilian (old ABC-1234 and Mercosul ABC1D23) or US state plate."""
    letters = "".join(rng.choice(_LETTERS_NO_IOQ) for _ in range(3))
    if country == "br":
        if rng.random() < 0.6:
            return f"{letters}{rng.randint(0, 9)}{rng.choice(string.ascii_uppercase)}{_digits(rng, 2)}"
        return f"{letters}-{_digits(rng, 4)}"
    return rng.choice([f"{rng.randint(1, 9)}{letters}{_digits(rng, 3)}", f"{letters}-{_digits(rng, 4)}"])


def street_address(rng: random.Random, lang: str) -> str:
    """House number and street in the local order ('123 Oak St' vs 'Rua X, 123')."""
    street = rng.choice(STREETS[lang])
    number = rng.randint(1, 4999)
    if lang == "pt":
        suffix = rng.choice(["", f" apto {rng.randint(11, 304)}", " - Centro"])
        return f"{street}, {number}{suffix}"
    suffix = rng.choice(["", f" Apt {rng.randint(1, 40)}"])
    return f"{number} {street}{suffix}"


def credit_card(rng: random.Random) -> str:
    """Luhn-valid Visa or Mastercard number, grouped by four."""
    prefix = rng.choice(["4", "51", "52", "55"])
    partial = prefix + _digits(rng, 15 - len(prefix))
    number = partial + luhn_check_digit(partial)
    return " ".join(number[i : i + 4] for i in range(0, 16, 4)) if rng.random() < 0.7 else number


def ip_address(rng: random.Random) -> str:
    """IPv4 of a telematics unit or the customer's portal session."""
    first = rng.choice([10, 172, 189, 192, 201, 66, 98])
    return f"{first}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def reference_number(rng: random.Random, lang: str) -> str:
    """A repair-order, service-order, claim or protocol number as workshop systems print them."""
    year = rng.randint(2019, 2025)
    shapes = [
        _digits(rng, 6),
        _digits(rng, rng.choice([7, 8])),
        f"{year}-{_digits(rng, 5)}",
        f"{rng.choice(['WC', 'GR', 'SV'])}-{_digits(rng, 6)}",
        f"{year}{_digits(rng, 6)}",
    ]
    return rng.choice(shapes)

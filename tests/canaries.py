"""The privacy invariant's test data: canary values planted in raw notes, and the search for them afterwards.

At least 200 unique values of every entity type the generator writes are planted
(in the ways technicians write them, in all three casing styles; names also with no
cue word before them, phones also directly followed by a date). After a pipeline
run, every file under data/ (except the raw inputs), models/ and reports/, plus
every captured log line, is searched for every value: decoded Parquet cells, the
unpickled model, the PDF's text layer and plain files.
"""

from __future__ import annotations

import pickle
import random
import subprocess
import unicodedata
from collections.abc import Callable
from pathlib import Path

import joblib
import pandas as pd

from vigil.data import synthetic_pii as pii

PER_TYPE = 200


def canaries(seed: int = 2026, keep: Callable[[str], bool] = lambda value: True) -> list[tuple[str, str, str]]:
    """Unique (value, what a note writes before it, what right after it), ``PER_TYPE`` of each kind."""
    rng = random.Random(seed)
    makers = {
        "PERSON": lambda: (
            pii.person_name(rng, rng.choice(["en", "pt"])),
            rng.choice(["cliente", "customer", "Sr.", "owner"]),
        ),
        "EMAIL_ADDRESS": lambda: (pii.email_for(rng, pii.person_name(rng, "en")), "email"),
        "PHONE_NUMBER": lambda: (pii.phone(rng, rng.choice(["us", "br"])), rng.choice(["tel", "callback"])),
        "BR_CPF": lambda: (pii.cpf(rng), "CPF"),
        "BR_CNPJ": lambda: (pii.cnpj(rng), "CNPJ"),
        "VIN": lambda: (pii.vin(rng, rng.choice(["us", "br"])), rng.choice(["VIN", "chassi"])),
        "LICENSE_PLATE": lambda: (pii.licence_plate(rng, rng.choice(["us", "br"])), rng.choice(["placa", "plate"])),
        "STREET_ADDRESS": lambda: (pii.street_address(rng, rng.choice(["en", "pt"])), rng.choice(["addr", "end."])),
        "CREDIT_CARD": lambda: (pii.credit_card(rng), "cc"),
        "IP_ADDRESS": lambda: (pii.ip_address(rng), "ip"),
        # no cue word: the name alone, as in "ALINE MARTINS DEIXOU O CARRO"
        "PERSON (no cue)": lambda: (pii.person_name(rng, rng.choice(["en", "pt"])), ""),
        # a phone glued to a date, as in "tel (305) 790-8924 - 11/20/2022"
        "PHONE_NUMBER (then a date)": lambda: (
            pii.phone(rng, rng.choice(["us", "br"])),
            "tel",
            rng.choice([" - ", " ", "; "])
            + f"{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}/{rng.randint(2019, 2024)}",
        ),
    }
    planted: list[tuple[str, str, str]] = []
    for make in makers.values():
        values: dict[str, tuple[str, str]] = {}
        while len(values) < PER_TYPE:
            value, cue, *after = make()
            if keep(value):
                values.setdefault(value, (cue, after[0] if after else ""))
        planted += [(value, cue, after) for value, (cue, after) in values.items()]
    return planted


def plant(texts: list[str], planted: list[tuple[str, str, str]], seed: int = 7) -> list[str]:
    """``texts`` with the canaries appended, four per note from the first on, in mixed, upper or lower case."""
    rng = random.Random(seed)
    shuffled = list(planted)
    rng.shuffle(shuffled)
    texts = list(texts)
    if len(texts) * 4 < len(shuffled):
        raise ValueError(f"{len(shuffled)} canaries need {len(shuffled) // 4} notes, got {len(texts)}")
    for index, start in enumerate(range(0, len(shuffled), 4)):
        extra = ", ".join(f"{cue} {value}{after}".strip() for value, cue, after in shuffled[start : start + 4])
        note = f"{texts[index]}, {extra}"
        texts[index] = rng.choice([note, note.upper(), note.lower()]) if rng.random() < 0.5 else note
    return texts


def fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


def searchable_text(path: Path) -> str:
    if path.suffix == ".parquet":
        table = pd.read_parquet(path)
        return "\n".join(table.astype(str).to_numpy().ravel().tolist())
    if path.suffix == ".pdf":  # the text layer, as a reader (or a copy-paste) sees it
        done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
        return done.stdout
    if path.suffix == ".joblib":
        return pickle.dumps(joblib.load(path)).decode("latin-1")
    return path.read_bytes().decode("utf-8", errors="replace")


def leaks(
    repo: Path, values: list[str], logs: str, raw_inputs: set[str]
) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Every searched place (relative path or ``<logs>``) with its folded text, and the (value, place) hits."""
    searched = {}
    for folder in ("data", "models", "reports"):
        for path in sorted((repo / folder).rglob("*")):
            relative = path.relative_to(repo).as_posix()
            if path.is_file() and relative not in raw_inputs and ".gitignore" not in relative:
                searched[relative] = fold(searchable_text(path))
    searched["<logs>"] = fold(logs)
    hits = [(value, where) for value in values for where, text in searched.items() if fold(value) in text]
    return searched, hits

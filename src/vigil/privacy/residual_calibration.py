"""Train the residual scan's model and calibrate its threshold (stage ``residual_model``).

Two measurements, on data the scrubber's thresholds were not chosen on, set
and describe the scan:

* **false alarms** on clean technical text: generated service notes whose every
  gold value is replaced by its placeholder, as a perfect scrubber would leave
  them (a seed of their own). The threshold is the lowest at which at most
  ``max_false_alarm_rate`` of these notes is flagged, rules included;
* **sensitivity** on what the scrubber really misses: the scrubber (with the
  committed ``scrub`` configuration and name model) runs over the corpora's dev
  splits; every sentence where it left a gold name is a leak, and the scan
  should flag it.

The scan itself (:mod:`vigil.privacy.residual`) never imports this module: the
scrubber is used here only to produce the leaks the scan is measured on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from vigil.config_section import from_section
from vigil.errors import VigilError
from vigil.privacy.corpora import Sentence, read_corpus
from vigil.privacy.residual import DETECTORS, blank_placeholders, scan_text, suspected_names
from vigil.privacy.residual_model import ResidualNameModel, fit_matrix, scrubbed_copy


@dataclass(frozen=True)
class ResidualModelSettings:
    """``params.residual_model``."""

    corpora_directory: str = "data/pii_corpora"
    train: tuple[str, ...] = ()
    dev: tuple[str, ...] = ()
    max_sentences: int = 0  # per corpus file; 0 = all of it
    technical_notes: int = 3000  # generated notes in the training text
    calibration_notes: int = 3000  # generated notes, scrubbed by their gold spans: the false-alarm set
    cased_share: float = 0.34
    scrubbed_share: float = 0.5  # texts also given with their names replaced by placeholders
    # L2 strength as a power of ten: a float such as 1e-06 is written in exponent form in dvc.lock, which YAML 1.1
    # reads back as a string (and the evidence check would call the parameter changed).
    regularisation_log10: int = -6
    epochs: int = 5
    max_false_alarm_rate: float = 0.0005
    seed: int = 29

    @classmethod
    def from_params(cls, section: dict[str, Any]) -> ResidualModelSettings:
        settings = from_section(cls, section, "residual_model")
        if not settings.train or not settings.dev:
            raise VigilError("params.yaml: residual_model.train and residual_model.dev must each list a corpus file")
        return settings


def _sentences(settings: ResidualModelSettings, names: tuple[str, ...]) -> dict[str, list[Sentence]]:
    out = {}
    for name in names:
        sentences = read_corpus(Path(settings.corpora_directory) / name)
        out[name] = sentences[: settings.max_sentences] if settings.max_sentences else sentences
    return out


def _generated(n: int, seed: int) -> list[tuple[str, list]]:
    from vigil.data.synthetic import SyntheticConfig, iter_records

    return [
        (record["text"], [(s["start"], s["end"], s["entity_type"]) for s in gold])
        for record, gold in iter_records(SyntheticConfig(n_records=n, seed=seed))
    ]


def _rules_flag(text: str) -> bool:
    blanked = blank_placeholders(text)
    return any(next(iter(detect(blanked)), None) is not None for detect in DETECTORS.values())


def choose_threshold(model: ResidualNameModel, clean: list[str], max_rate: float) -> tuple[float, int]:
    """The lowest threshold flagging at most ``max_rate`` of ``clean`` (rules included), and the notes it flags."""
    flagged_by_rules = [_rules_flag(text) for text in clean]
    allowed = int(max_rate * len(clean)) - sum(flagged_by_rules)
    scores = sorted(
        (model.max_score(t) for t, ruled in zip(clean, flagged_by_rules, strict=True) if not ruled), reverse=True
    )
    finite = [s for s in scores if np.isfinite(s)]
    if not finite:
        model.card["threshold"] = 0.0
        return 0.0, sum(flagged_by_rules)
    index = max(0, allowed)
    threshold = float(np.nextafter(finite[index], np.inf)) if index < len(finite) else float(finite[-1])
    model.card["threshold"] = threshold
    return threshold, sum(1 for text in clean if scan_text(text, model))


Span = tuple[int, int, str]


def replace_with_placeholders(text: str, replaced: list[Span], gold: list[Span]) -> tuple[str, list[Span]]:
    """``text`` with ``replaced`` spans as placeholders; ``gold`` spans left intact, re-addressed in the result."""
    pieces: list[str] = []
    mapped: list[Span] = []
    edits: list[Span] = []
    cursor = 0
    for start, end, kind in sorted(replaced):
        if start >= cursor:
            edits.append((start, end, kind))
            cursor = end
    cursor = 0
    for start, end, kind in edits:
        pieces.append(text[cursor:start] + f"<{kind}>")
        cursor = end
    pieces.append(text[cursor:])
    for start, end, kind in gold:
        if any(a < end and start < b for a, b, _ in edits):
            continue
        shift = sum(len(k) + 2 - (b - a) for a, b, k in edits if b <= start)
        mapped.append((start + shift, end + shift, kind))
    return "".join(pieces), mapped


def scrubber_leaks(scrub_params: dict, dev: dict[str, list[Sentence]]) -> dict[str, list[tuple[str, list]]]:
    """Per dev corpus: each sentence where the scrubber left a gold name, as scrubbed text + the leaked spans."""
    from vigil.privacy.config import ScrubConfig
    from vigil.privacy.scrubber import Scrubber

    # What is detected does not depend on how it is replaced: "replace" needs no key from the environment.
    scrubber = Scrubber(ScrubConfig.from_params({**scrub_params, "operators": {"default": "replace"}}))
    out: dict[str, list[tuple[str, list]]] = {}
    for name, sentences in dev.items():
        texts = [s.text for s in sentences]
        leaks = []
        for sentence, found in zip(sentences, scrubber.analyze_batch(texts), strict=True):
            gold = [span for span in sentence.spans() if span[2] == "PERSON"]
            found_spans = [(r.start, r.end, r.entity_type) for r in found]
            scrubbed, left = replace_with_placeholders(sentence.text, found_spans, gold)
            if left:
                leaks.append((scrubbed, left))
        out[name] = leaks
    return out


@dataclass
class CalibrationResult:
    threshold: float
    clean_notes: int
    false_alarms: int
    leak_records: int
    leak_records_flagged: int
    spans: dict[str, dict[str, int]] = field(default_factory=dict)

    def as_card(self) -> dict[str, Any]:
        span_total = sum(v["leaked"] for v in self.spans.values())
        span_found = sum(v["found"] for v in self.spans.values())
        return {
            "threshold": self.threshold,
            "calibration": {
                "clean_notes": self.clean_notes,
                "false_alarms": self.false_alarms,
                "leak_records": self.leak_records,
                "leak_records_flagged": self.leak_records_flagged,
                "leaked_names": span_total,
                "leaked_names_found": span_found,
                "by_corpus": self.spans,
            },
        }


def calibrate(
    model: ResidualNameModel, settings: ResidualModelSettings, scrub_params: dict, dev: dict[str, list[Sentence]]
) -> CalibrationResult:
    import random

    rng = random.Random(settings.seed)
    clean = [
        scrubbed_copy(text, spans, rng, 1.0)[0]
        for text, spans in _generated(settings.calibration_notes, settings.seed + 1)
    ]
    threshold, false_alarms = choose_threshold(model, clean, settings.max_false_alarm_rate)
    result = CalibrationResult(threshold, len(clean), false_alarms, 0, 0)
    for name, leaks in scrubber_leaks(scrub_params, dev).items():
        found = 0
        for text, spans in leaks:
            result.leak_records += 1
            result.leak_records_flagged += bool(scan_text(text, model))
            suspects = set(suspected_names(text, model))
            found += sum(1 for a, b, _ in spans if any(x < b and a < y for x, y in suspects))
        result.spans[name] = {"leaked": sum(len(s) for _, s in leaks), "found": found}
    return result


def train_residual_model(settings: ResidualModelSettings, scrub_params: dict) -> ResidualNameModel:
    """The fitted, calibrated model; its card holds the threshold and the calibration counts."""
    train = _sentences(settings, settings.train)
    texts = [(s.text, s.spans()) for sentences in train.values() for s in sentences]
    texts += _generated(settings.technical_notes, settings.seed)
    matrix, labels = fit_matrix(texts, settings.seed, settings.cased_share, settings.scrubbed_share)
    alpha = 10.0**settings.regularisation_log10
    model = ResidualNameModel.fit(matrix, labels, alpha, settings.epochs, settings.seed)
    model.card = {"trained_on": {name: len(s) for name, s in train.items()}, "tokens": int(len(labels))}
    result = calibrate(model, settings, scrub_params, _sentences(settings, settings.dev))
    model.card.update(result.as_card())
    return model

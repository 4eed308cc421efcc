"""The two learned name models: what they are made of, that scoring from the cache is the model, and what they
measure on the corpora's dev splits (the thresholds in params were chosen there; bench/pii_quality.py compares
with presidio)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from vigil.errors import VigilError
from vigil.privacy.corpora import read_corpus
from vigil.privacy.name_features import OFFSETS, word_features
from vigil.privacy.name_model import NameModel, _hasher, name_runs, window_keys
from vigil.privacy.name_training import NameModelSettings, train_name_model

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT / "data" / "pii_corpora"
DEV = ("wnut17/dev.conll", "lener_br/dev.conll", "harem/FirstHAREM-selective-dev.json")


@pytest.fixture(scope="module")
def small_model() -> tuple[NameModel, dict]:
    """A model on 150 sentences per corpus: every code path in a few seconds (its quality is not asserted)."""
    settings = NameModelSettings.from_params(
        {
            "corpora": {
                "directory": str(CORPORA),
                "train": ["wnut17/train.conll", "lener_br/train.conll", "harem/FirstHAREM-selective-train.json"],
                "dev": list(DEV),
            },
            "max_sentences": 150,
            "technical_notes": 50,
        }
    )
    return train_name_model(settings)


def test_a_cached_score_is_the_models_score(small_model):
    """The per-(offset, word, case) cache must give what the full feature vector gives."""
    model, _ = small_model
    text = "Cliente Maria das Graças ligou; PILOT JOHN SMITH LANDED"
    words = [t for _, _, t, _ in model.token_probabilities(text)]
    keys = window_keys(words, "M")
    width = len(OFFSETS)
    for i, (_, _, _, p) in enumerate(model.token_probabilities(text)):
        features = [f for key in keys[i * width : (i + 1) * width] for f in word_features(key[1], key[0], key[2])]
        row = _hasher().transform([sorted(set(features))])
        logit = float((row @ model.weights)[0]) + model.intercept
        assert p == pytest.approx(1 / (1 + np.exp(-logit)), rel=1e-5, abs=1e-9)
    assert model.batch_probabilities([text, "ok"]) == [model.token_probabilities(text), model.token_probabilities("ok")]


def test_saved_and_loaded_it_scores_the_same(small_model, tmp_path: Path):
    model, _ = small_model
    model.save(tmp_path / "m")
    again = NameModel.load(tmp_path / "m")
    text = "joao silva trouxe o carro; Mr. Okafor paid"
    assert again.token_probabilities(text) == pytest.approx(model.token_probabilities(text))
    assert json.loads((tmp_path / "m" / "model.json").read_text())["trained_on"]["wnut17/train.conll"] == 150


def test_a_missing_or_foreign_model_is_one_line(tmp_path: Path):
    with pytest.raises(VigilError, match="no usable name model .*dvc repro name_model"):
        NameModel.load(tmp_path / "absent")
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "model.json").write_text('{"format": "other"}')
    np.savez(tmp_path / "m" / "weights.npz", indices=np.array([0]), values=np.array([1.0]), intercept=0.0)
    with pytest.raises(VigilError, match="format 'other'"):
        NameModel.load(tmp_path / "m")


def test_runs_join_over_particles_and_keep_an_initials_period():
    scored = [
        (0, 5, "Maria", 0.9),
        (6, 9, "das", 0.01),
        (10, 16, "Graças", 0.8),
        (17, 22, "ligou", 0.0),
        (23, 24, "J", 0.7),
        (24, 25, ".", 0.0),
        (26, 31, "Silva", 0.9),
        (32, 33, ",", 0.0),
        (34, 38, "tudo", 0.0),
    ]
    assert name_runs(scored, 0.5) == [(0, 16, 0.9), (23, 31, 0.9)]


def test_the_stage_measures_every_dev_split_at_several_thresholds(small_model):
    _, metrics = small_model
    assert set(metrics["dev"]) == set(DEV)
    for curve in (d["curve"] for d in metrics["dev"].values()):
        recalls = [point["name_recall"] for point in curve]
        assert recalls == sorted(recalls, reverse=True)  # a higher threshold never finds more names


def _person_recall_and_overmasking(scrubber, path: Path) -> tuple[float, float]:
    sentences = read_corpus(path)
    names = found = other_words = other_masked = 0
    for sentence, results in zip(sentences, scrubber.analyze_batch([s.text for s in sentences]), strict=True):
        text = sentence.text
        masked = bytearray(len(text))
        person = bytearray(len(text))
        for r in results:
            masked[r.start : r.end] = b"\x01" * (r.end - r.start)
            if r.entity_type == "PERSON":
                person[r.start : r.end] = b"\x02" * (r.end - r.start)
        gold = bytearray(len(text))
        for a, b, kind in sentence.spans():
            if kind == "PERSON":
                names += 1
                found += any(person[a:b])
                gold[a:b] = b"\x01" * (b - a)
        position = 0
        for token in sentence.tokens:
            if any(c.isalpha() for c in token) and not gold[position]:
                other_words += 1
                other_masked += bool(masked[position])
            position += len(token) + 1
    return found / names, other_masked / other_words


# Measured on the dev splits with the committed models (docs/privacy.md): presidio's defaults with en_core_web_md
# find 0.604 / 0.658 / 0.787 of these names; the floors below are presidio + 0.05, the over-masking ceiling 3 %.
FLOORS = {"wnut17/dev.conll": 0.654, "lener_br/dev.conll": 0.708, "harem/FirstHAREM-selective-dev.json": 0.837}


def test_the_scrubber_finds_names_in_real_text_above_presidio_and_masks_little_else(name_models):
    from vigil.privacy.config import ScrubConfig
    from vigil.privacy.scrubber import Scrubber

    scrubber = Scrubber(ScrubConfig.from_params(name_models.scrub_params()))
    for name, floor in FLOORS.items():
        recall, overmasked = _person_recall_and_overmasking(scrubber, CORPORA / name)
        assert recall >= floor, f"{name}: PERSON recall {recall:.3f} < {floor}"
        assert overmasked <= 0.03, f"{name}: {overmasked:.2%} of non-person words masked"


def test_the_residual_model_is_calibrated_on_its_own_data(name_models):
    card = json.loads((name_models.directory / "residual_model" / "model.json").read_text())
    calibration = card["calibration"]
    assert calibration["false_alarms"] / calibration["clean_notes"] <= 0.0005
    assert calibration["leaked_names"] > 0 and 0 < calibration["leaked_names_found"] <= calibration["leaked_names"]
    assert set(calibration["by_corpus"]) == set(DEV)

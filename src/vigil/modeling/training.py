"""Train a family and fit its shared post-processing: the whole `train` stage minus file I/O.

Kept out of the stage script so the bench (`bench/models.py`) measures exactly
what the pipeline does. The validation split serves three purposes, in order:
early stopping inside the family (fine-tuning), the calibration temperature,
and the optional per-class decision offsets.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from vigil.config_section import from_section
from vigil.errors import VigilError
from vigil.evaluation.metrics import classification_metrics
from vigil.modeling.calibration import CALIBRATION_METHODS, apply_temperature, fit_temperature
from vigil.modeling.decision import DECISION_RULES, tune_log_offsets
from vigil.modeling.predictor import Predictor
from vigil.modeling.registry import build_model

VALIDATION_KEYS = ("accuracy", "f1_macro", "f1_weighted", "mcc", "ece", "log_loss")


@dataclass(frozen=True)
class TrainingOptions:
    calibration: str = "temperature"
    decision: str = "argmax"

    @classmethod
    def from_params(cls, train: Mapping[str, Any]) -> TrainingOptions:
        options = from_section(cls, train, "train", ignore=("mitigation",))  # mitigation: vigil.audit.mitigation
        for key, value, allowed in (
            ("calibration", options.calibration, CALIBRATION_METHODS),
            ("decision", options.decision, DECISION_RULES),
        ):
            if value not in allowed:
                raise VigilError(f"params.yaml: train.{key} must be one of {list(allowed)}, got {value!r}")
        return options


@dataclass
class TrainingResult:
    predictor: Predictor
    fit_seconds: float
    val_before: dict[str, Any]
    val_after: dict[str, Any]


def train_predictor(
    model_params: Mapping[str, Any],
    options: TrainingOptions,
    seed: int,
    train: tuple[Sequence[str], Sequence[str]],
    val: tuple[Sequence[str], Sequence[str]],
    *,
    sample_weight: np.ndarray | None = None,
) -> TrainingResult:
    """Fit ``model.family`` on ``train``; calibrate and (optionally) tune decisions on ``val``.

    ``sample_weight`` (e.g. fairness reweighing) affects the fit only: the
    validation split keeps equal weights, so calibration and decision offsets
    are fitted to the population the model will serve.
    """
    val_texts, val_labels = list(val[0]), list(val[1])
    model = build_model(model_params, seed=seed)
    started = time.perf_counter()
    model.fit(list(train[0]), list(train[1]), sample_weight=sample_weight, validation=(val_texts, val_labels))
    fit_seconds = time.perf_counter() - started

    raw = Predictor(model)
    raw_proba = raw.predict_proba(val_texts)
    index = {label: i for i, label in enumerate(model.classes_)}
    y_index = np.array([index[label] for label in val_labels])
    temperature = fit_temperature(raw_proba, y_index) if options.calibration == "temperature" else 1.0
    predictor = Predictor(model, temperature=temperature)
    val_proba = apply_temperature(raw_proba, temperature)
    if options.decision == "tuned":
        predictor.log_offsets = tune_log_offsets(val_proba, y_index)
    before = classification_metrics(val_labels, raw.decide(raw_proba), raw_proba, model.classes_)
    after = classification_metrics(val_labels, predictor.decide(val_proba), val_proba, model.classes_)
    return TrainingResult(
        predictor=predictor,
        fit_seconds=fit_seconds,
        val_before={k: before[k] for k in VALIDATION_KEYS},
        val_after={k: after[k] for k in VALIDATION_KEYS},
    )

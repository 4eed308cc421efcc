"""A trained family plus its post-processing: what evaluation and serving call.

Calibration (a temperature) and the decision rule (optional per-class offsets)
are fitted by the train stage on the validation split and stored in
``model.json``; keeping them outside the families means every family gets them
the same way and serving cannot forget to apply them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from vigil.modeling.base import TextClassifier
from vigil.modeling.calibration import apply_temperature
from vigil.modeling.decision import decide


@dataclass
class Predictor:
    model: TextClassifier
    temperature: float = 1.0
    log_offsets: np.ndarray | None = None
    card: dict[str, Any] = field(default_factory=dict)
    # A faster equivalent of ``model.predict_proba`` (serving's compiled path), checked by whoever sets it.
    scorer: Callable[[Sequence[str]], np.ndarray] | None = None

    @property
    def family(self) -> str:
        return self.model.family

    @property
    def classes_(self) -> list[str]:
        return self.model.classes_

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        score = self.model.predict_proba if self.scorer is None else self.scorer
        return apply_temperature(score(texts), self.temperature)

    def decide(self, proba: np.ndarray) -> list[str]:
        return [self.classes_[i] for i in decide(proba, self.log_offsets)]

    def predict(self, texts: Sequence[str]) -> list[str]:
        return self.decide(self.predict_proba(texts))

    def postprocessing_card(self) -> dict[str, Any]:
        offsets = (
            None if self.log_offsets is None else dict(zip(self.classes_, map(float, self.log_offsets), strict=True))
        )
        return {
            "calibration": {
                "method": "none" if self.temperature == 1.0 else "temperature",
                "temperature": self.temperature,
            },
            "decision": {"rule": "argmax" if offsets is None else "tuned", "log_offsets": offsets},
        }

    @classmethod
    def from_card(cls, model: TextClassifier, card: dict[str, Any]) -> Predictor:
        temperature = float(card.get("calibration", {}).get("temperature", 1.0))
        offsets = card.get("decision", {}).get("log_offsets")
        log_offsets = None if offsets is None else np.array([offsets[label] for label in model.classes_])
        return cls(model, temperature, log_offsets, card)

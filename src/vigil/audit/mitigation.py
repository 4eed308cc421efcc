"""Pre-processing mitigation: reweigh training samples so group and class are independent.

Kamiran & Calders' reweighing, extended from a binary label to every class:
a record of group ``g`` and class ``y`` gets ``P(g) P(y) / P(g, y)``, so in the
weighted training set no group is over- or under-represented within any class
(an independent workshop type that rarely reports brake faults no longer
teaches the model that its brake notes are unusual). Every model family
accepts ``sample_weight``, so the switch works for all of them.

What is not supported, and why: fairlearn's reductions (ExponentiatedGradient,
GridSearch) and ThresholdOptimizer are defined for binary classification (and
bounded-group-loss regression); a one-vs-rest wrapper would optimise K
unrelated constraints and break probability calibration, so Vigil does not
offer it. Reweighing cannot remove a gap caused by the quality of a group's
notes or labels (noisy labels stay noisy); the fairness report's before/after
block shows what it did.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from vigil.config_section import from_section
from vigil.errors import VigilError

MITIGATION_METHODS = ("none", "reweigh")


@dataclass(frozen=True)
class MitigationOptions:
    """``train.mitigation`` from params.yaml."""

    method: str = "none"
    features: tuple[str, ...] = ()
    max_weight: float = 10.0

    @classmethod
    def from_params(cls, mitigation: Mapping[str, Any] | None, sensitive_features: Sequence[str]) -> MitigationOptions:
        options = from_section(cls, mitigation, "train.mitigation")
        method, max_weight = options.method, options.max_weight
        if method not in MITIGATION_METHODS:
            raise VigilError(
                f"params.yaml: train.mitigation.method must be one of {list(MITIGATION_METHODS)}, got {method!r}"
            )
        features = options.features or tuple(sensitive_features)
        unknown = [f for f in features if f not in sensitive_features]
        if unknown:
            raise VigilError(
                f"params.yaml: train.mitigation.features {unknown} are not in data.sensitive_features "
                f"{list(sensitive_features)}"
            )
        if max_weight < 1.0:
            raise VigilError(f"params.yaml: train.mitigation.max_weight must be >= 1, got {max_weight}")
        if method != "none" and not features:
            raise VigilError("params.yaml: train.mitigation needs data.sensitive_features to reweigh by")
        return cls(method=method, features=features, max_weight=max_weight)

    @property
    def enabled(self) -> bool:
        return self.method != "none"

    def describe(self) -> dict[str, Any]:
        return {"method": self.method, "features": list(self.features), "max_weight": self.max_weight}


def reweighing_weights(groups: pd.DataFrame, labels: Sequence[str], *, max_weight: float) -> np.ndarray:
    """``P(g) P(y) / P(g, y)`` per record over the joint group of ``groups``' columns.

    Weights are clipped to ``[1 / max_weight, max_weight]`` (a tiny cell must
    not dominate the fit) and rescaled to mean 1 so the regularisation strength
    of every family keeps its meaning.
    """
    if len(groups) != len(labels):
        raise ValueError("groups and labels differ in length")
    cell = groups.astype(str).agg(" & ".join, axis=1) if groups.shape[1] else pd.Series([""] * len(groups))
    frame = pd.DataFrame({"g": cell.to_numpy(), "y": list(labels)})
    n = len(frame)
    p_group = frame["g"].map(frame["g"].value_counts() / n)
    p_label = frame["y"].map(frame["y"].value_counts() / n)
    p_joint = frame.groupby(["g", "y"])["y"].transform("size") / n
    weights = (p_group * p_label / p_joint).to_numpy(dtype=float)
    weights = np.clip(weights, 1.0 / max_weight, max_weight)
    return weights / weights.mean()


def weight_summary(weights: np.ndarray) -> dict[str, float]:
    """What the reweighing did, for ``reports/train.json``."""
    return {
        "min": round(float(weights.min()), 6),
        "max": round(float(weights.max()), 6),
        "std": round(float(weights.std()), 6),
    }


def training_weights(options: MitigationOptions, train: pd.DataFrame, label_column: str) -> np.ndarray | None:
    """The sample weights ``train`` is fitted with under ``options`` (None when mitigation is off).

    One function for the `train` stage and the `explain` stage's refits, so both fit the same problem.
    """
    if not options.enabled:
        return None
    groups, labels = train[list(options.features)], train[label_column].tolist()
    return reweighing_weights(groups, labels, max_weight=options.max_weight)

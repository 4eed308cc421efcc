"""Why does the model decide what it decides? Global tokens, local examples, stability.

Two explainers behind one report shape (``reports/explain.json``):

* linear families (``tfidf_*``): global = the word n-grams with the largest and
  smallest coefficients per class; local = exact word attributions of the
  class score (:mod:`vigil.audit.linear_attribution`); stability = overlap of
  the top tokens after bootstrap refits of the linear scores on the shipped
  features, each on ``stability.sample`` drawn training notes (at most), so the
  stage's time and memory stop growing with the training split.
* every other family: local = occlusion attributions through the served
  predictor (:mod:`vigil.audit.occlusion`); global = those attributions averaged
  per token over a seeded sample of test texts, per predicted class; stability
  = overlap after bootstrap resamples of the explained texts (refitting a
  transformer takes minutes, so the refit variance is not measured and the
  report names the method).

The local sample always contains the most confident errors per predicted class
(the cases a reviewer must understand first) plus a seeded random sample.
Texts are the scrubbed test texts, the only text any stage after ``scrub`` sees.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from tqdm import tqdm

from vigil.audit.bootstrap import draw_every_class
from vigil.audit.linear_attribution import LinearExplainer, is_linear
from vigil.audit.occlusion import occlusion_attributions
from vigil.audit.stability import stability_summary
from vigil.audit.tokens import normalise, words
from vigil.config_section import from_section
from vigil.data.schema import RECORD_ID, TEXT
from vigil.errors import VigilError


@dataclass(frozen=True)
class ExplainConfig:
    """``audit.explain`` from params.yaml."""

    top_tokens: int = 15
    local_random: int = 10
    confident_errors_per_class: int = 2
    global_sample: int = 300
    min_token_count: int = 3
    stability_resamples: int = 4
    stability_top_k: int = 10
    # Training notes drawn per bootstrap refit (m-out-of-n bootstrap). A fixed m keeps the refits' cost and
    # memory flat as the training split grows, and keeps the overlap's meaning: "how much do the top tokens
    # move when the linear scores are refitted on m other notes", not a number that drifts with n.
    stability_sample: int = 10_000
    seed: int = 0

    @classmethod
    def from_params(cls, explain: Mapping[str, Any], seed: int) -> ExplainConfig:
        config = from_section(
            cls,
            explain,
            "audit.explain",
            keys={
                "local_random": "local.random",
                "confident_errors_per_class": "local.confident_errors_per_class",
                "stability_resamples": "stability.resamples",
                "stability_top_k": "stability.top_k",
                "stability_sample": "stability.sample",
            },
            seed=seed,
        )
        for name in (
            "top_tokens",
            "global_sample",
            "min_token_count",
            "stability_resamples",
            "stability_top_k",
            "stability_sample",
        ):
            if getattr(config, name) < 1:
                raise VigilError(f"params.yaml: audit.explain {name} must be >= 1, got {getattr(config, name)}")
        return config

    def describe(self) -> dict[str, Any]:
        return {
            "top_tokens": self.top_tokens,
            "local": {"random": self.local_random, "confident_errors_per_class": self.confident_errors_per_class},
            "global_sample": self.global_sample,
            "min_token_count": self.min_token_count,
            "stability": {
                "resamples": self.stability_resamples,
                "top_k": self.stability_top_k,
                "sample": self.stability_sample,
                "seed": self.seed,
            },
        }


def select_local_examples(predictions: pd.DataFrame, config: ExplainConfig) -> pd.DataFrame:
    """The most confident errors per predicted class, then a seeded random sample of the rest."""
    errors = predictions[predictions["y_true"] != predictions["y_pred"]]
    picked = (
        errors.sort_values(["confidence", RECORD_ID], ascending=[False, True])
        .groupby("y_pred", sort=True)
        .head(config.confident_errors_per_class)
        .sort_values(["y_pred", "confidence"], ascending=[True, False])
        .assign(reason="confident_error")
    )
    rest = predictions.drop(index=picked.index)
    random = rest.sample(n=min(config.local_random, len(rest)), random_state=config.seed).assign(reason="random")
    return pd.concat([picked, random])


def _local_entry(row: pd.Series, tokens: list[str], weights: np.ndarray, weights_true: np.ndarray | None) -> dict:
    entry: dict[str, Any] = {
        "record_id": str(row[RECORD_ID]),
        "reason": row["reason"],
        "y_true": str(row["y_true"]),
        "y_pred": str(row["y_pred"]),
        "confidence": round(float(row["confidence"]), 6),
        "tokens": tokens,
        "weights": [round(float(w), 6) for w in weights],
    }
    if weights_true is not None:
        entry["weights_true_class"] = [round(float(w), 6) for w in weights_true]
    return entry


def _refit(model: Any, texts: list[str], labels: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    """One bootstrap refit: the drawn notes' features (only theirs: memory is that of the sample), then the scores."""
    return model.refit_class_weights(model.features(texts), labels, weights)


def _explain_linear(
    model: Any,
    local: pd.DataFrame,
    train: tuple[Sequence[str], Sequence[str], np.ndarray | None],
    config: ExplainConfig,
    progress: bool,
) -> dict[str, Any]:
    explainer = LinearExplainer(model)
    index = {label: i for i, label in enumerate(model.classes_)}
    entries: list[dict[str, Any]] = []
    residuals: list[float] = []
    char_shares: list[float] = []
    for _, row in local.iterrows():
        predicted, true = index[row["y_pred"]], index.get(row["y_true"])
        targets = [predicted] + ([true] if true is not None and true != predicted else [])
        attribution = explainer.attribute(row[TEXT], targets)
        residuals.extend(abs(v) for v in attribution.residual.values())
        char_shares.append(attribution.char_share)
        true_weights = attribution.weights[true] if true is not None and len(targets) > 1 else None
        entries.append(_local_entry(row, attribution.words, attribution.weights[predicted], true_weights))
    reference = explainer.top_tokens(explainer.coef, config.top_tokens)
    texts, train_labels, weights = list(train[0]), np.asarray(list(train[1])), train[2]
    sample = min(len(texts), config.stability_sample)
    rng = np.random.default_rng(config.seed)
    draws = [draw_every_class(train_labels, sample, rng) for _ in range(config.stability_resamples)]
    # One refit is a full solver run (~10 s for the default model on 2 cores): use every core. Each job gets
    # its drawn notes' texts, not a feature matrix of the whole split.
    jobs = Parallel(n_jobs=min(len(draws), os.cpu_count() or 1), return_as="generator")(
        delayed(_refit)(model, [texts[i] for i in rows], train_labels[rows], None if weights is None else weights[rows])
        for rows in draws
    )
    refits = [
        explainer.top_tokens(coef, config.stability_top_k)
        for coef in tqdm(jobs, total=len(draws), desc="bootstrap refits", disable=not progress)
    ]
    return {
        "method": {
            "global": "coefficients (word n-grams)",
            "local": "exact linear attribution",
            "score": "class score before calibration (logit or SVM decision value), intercept excluded",
            "stability": "bootstrap refits of the linear scores on the shipped features "
            f"({sample:,} of the {len(texts):,} training notes drawn per refit, within each class)",
        },
        "global": reference,
        "local": entries,
        "local_residual_max": round(max(residuals, default=0.0), 12),
        "char_ngram_share": round(float(np.mean(char_shares)), 6) if char_shares else None,
        "stability": stability_summary(
            {c: [t["token"] for t in r["positive"]] for c, r in reference.items()},
            [{c: [t["token"] for t in r["positive"]] for c, r in refit.items()} for refit in refits],
            config.stability_top_k,
            sample,
        ),
    }


def _aggregate(
    rows: Sequence[tuple[str, list[str], np.ndarray]], labels: list[str], min_count: int, top: int
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Mean occlusion weight per (predicted class, normalised token), ranked per class."""
    sums: dict[tuple[str, str], float] = defaultdict(float)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for predicted, tokens, weights in rows:
        for token, weight in zip(tokens, weights, strict=True):
            key = normalise(token)
            if key:
                sums[(predicted, key)] += float(weight)
                counts[(predicted, key)] += 1
    ranking: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for label in labels:
        means = sorted(
            ((sums[k] / counts[k], k[1], counts[k]) for k in sums if k[0] == label and counts[k] >= min_count),
            key=lambda m: (-m[0], m[1]),
        )
        ranking[label] = {
            "positive": [{"token": t, "weight": round(w, 6), "count": n} for w, t, n in means[:top] if w > 0],
            "negative": [{"token": t, "weight": round(w, 6), "count": n} for w, t, n in means[::-1][:top] if w < 0],
        }
    return ranking


def _explain_occlusion(
    predictor: Any, predictions: pd.DataFrame, local: pd.DataFrame, config: ExplainConfig, progress: bool
) -> dict[str, Any]:
    labels = list(predictor.classes_)
    index = {label: i for i, label in enumerate(labels)}
    sample = predictions.sample(n=min(config.global_sample, len(predictions)), random_state=config.seed)
    texts = list(dict.fromkeys([*local[TEXT].tolist(), *sample[TEXT].tolist()]))
    attributions = dict(
        zip(texts, occlusion_attributions(predictor.predict_proba, texts, progress=progress), strict=True)
    )
    entries = []
    for _, row in local.iterrows():
        matrix = attributions[row[TEXT]]
        predicted, true = index[row["y_pred"]], index.get(row["y_true"])
        true_weights = matrix[:, true] if true is not None and true != predicted else None
        entries.append(_local_entry(row, words(row[TEXT]), matrix[:, predicted], true_weights))
    rows = [
        (row["y_pred"], words(row[TEXT]), attributions[row[TEXT]][:, index[row["y_pred"]]])
        for _, row in sample.iterrows()
    ]
    reference = _aggregate(rows, labels, config.min_token_count, config.top_tokens)
    rng = np.random.default_rng(config.seed)
    resamples = []
    for _ in range(config.stability_resamples):
        drawn = [rows[i] for i in rng.integers(0, len(rows), len(rows))]
        ranking = _aggregate(drawn, labels, config.min_token_count, config.stability_top_k)
        resamples.append({c: [t["token"] for t in r["positive"]] for c, r in ranking.items()})
    return {
        "method": {
            "global": f"mean occlusion weight per token over {len(sample)} test texts, per predicted class",
            "local": "occlusion (log-probability drop when the word is deleted)",
            "score": "log-probability of the class as served (calibrated)",
            "stability": "bootstrap resamples of the explained texts (the model is not refitted)",
        },
        "global": reference,
        "local": entries,
        "local_residual_max": None,
        "char_ngram_share": None,
        "stability": stability_summary(
            {c: [t["token"] for t in r["positive"]] for c, r in reference.items()},
            resamples,
            config.stability_top_k,
            len(rows),
        ),
    }


def explain(
    predictor: Any,
    predictions: pd.DataFrame,
    train: tuple[Sequence[str], Sequence[str], np.ndarray | None],
    config: ExplainConfig,
    *,
    progress: bool = False,
) -> dict[str, Any]:
    """The explainability report for a loaded :class:`~vigil.modeling.Predictor` and its test predictions."""
    local = select_local_examples(predictions, config)
    model = predictor.model
    if is_linear(model):
        body = _explain_linear(model, local, train, config, progress)
    else:
        body = _explain_occlusion(predictor, predictions, local, config, progress)
    return {
        "family": model.family,
        "config": config.describe(),
        "n_local": len(body["local"]),
        "n_confident_errors": int((local["reason"] == "confident_error").sum()),
        **body,
    }

"""TF-IDF (word + character n-grams) with class-weighted logistic regression.

The default family: trains in seconds on 2 cores, is robust to the typos and
abbreviations of technician notes thanks to character n-grams within word
boundaries, and its coefficients are exact explanations.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

WEIGHTS_FILE = "pipeline.joblib"
# Tokens keep inner '/', '#', '.', '-' so "w/o", "RO#", "v4.2.17" and "P/N" stay whole.
_WORD_PATTERN = r"(?u)\b\w[\w/#.-]*\w\b|\b\w\b"


def _ngram(value: Sequence[int]) -> tuple[int, int]:
    low, high = value
    return int(low), int(high)


def _drop_volatile_state(pipeline: Pipeline) -> None:
    """Remove cache attributes that hold memory addresses, so equal models pickle to equal bytes.

    scikit-learn vectorizers remember ``id(stop_words)`` to skip a repeated check;
    the address differs on every run, which would change the model's digest (and
    DVC's lock) even when the learned weights are identical.
    """
    for _, vectorizer in pipeline.named_steps["features"].transformer_list:
        vectorizer.__dict__.pop("_stop_words_id", None)


class TfidfLogReg:
    """Word and char_wb TF-IDF features feeding a multinomial logistic regression."""

    family = "tfidf_logreg"

    def __init__(self, params: dict[str, Any], seed: int = 0) -> None:
        self.params = dict(params)
        self.seed = seed
        self.classes_: list[str] = []
        self._pipeline: Pipeline | None = None

    def _vectorizer(self, analyzer: str, ngram_range: Sequence[int], **extra: Any) -> TfidfVectorizer:
        """Word and character views share their normalisation: lower case, accents folded, sublinear tf."""
        return TfidfVectorizer(
            analyzer=analyzer,
            ngram_range=_ngram(ngram_range),
            min_df=self.params["min_df"],
            max_features=self.params["max_features"],
            sublinear_tf=True,
            lowercase=True,
            strip_accents="unicode",
            **extra,
        )

    def _build(self) -> Pipeline:
        p = self.params
        features = FeatureUnion(
            [
                ("word", self._vectorizer("word", p["word_ngram_range"], token_pattern=_WORD_PATTERN)),
                ("char", self._vectorizer("char_wb", p["char_ngram_range"])),
            ]
        )
        classifier = LogisticRegression(
            C=p["C"],
            class_weight=p["class_weight"],
            max_iter=p["max_iter"],
            random_state=self.seed,
        )
        return Pipeline([("features", features), ("classifier", classifier)])

    def fit(self, texts: Sequence[str], labels: Sequence[str], sample_weight: np.ndarray | None = None) -> TfidfLogReg:
        pipeline = self._build()
        fit_params = {"classifier__sample_weight": sample_weight} if sample_weight is not None else {}
        pipeline.fit(list(texts), list(labels), **fit_params)
        self._pipeline = pipeline
        self.classes_ = [str(c) for c in pipeline.classes_]
        return self

    @property
    def pipeline(self) -> Pipeline:
        if self._pipeline is None:
            raise RuntimeError("model is not fitted")
        return self._pipeline

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return self.pipeline.predict_proba(list(texts))

    def save(self, directory: Path) -> list[str]:
        _drop_volatile_state(self.pipeline)
        joblib.dump(self.pipeline, directory / WEIGHTS_FILE, compress=3)
        return [WEIGHTS_FILE]

    @classmethod
    def load(cls, directory: Path, params: dict[str, Any]) -> TfidfLogReg:
        model = cls(params)
        model._pipeline = joblib.load(directory / WEIGHTS_FILE)
        model.classes_ = [str(c) for c in model._pipeline.classes_]
        return model

    def describe(self) -> dict[str, Any]:
        features = self.pipeline.named_steps["features"]
        sizes = {name: len(vec.vocabulary_) for name, vec in features.transformer_list}
        return {"vocabulary_size": sizes, "n_features": int(sum(sizes.values())), "n_classes": len(self.classes_)}

"""Shared TF-IDF front end (word + character n-grams) for the linear families.

Both linear families read the same features so that a comparison between them
measures the classifier, not the tokenisation: lower case, accents folded,
sublinear tf, character n-grams within word boundaries (robust to the typos
and abbreviations of technician notes).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import joblib
import numpy as np
import sklearn
from scipy import sparse
from sklearn.base import ClassifierMixin, clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline

from vigil.heap import release_freed_memory
from vigil.modeling.base import Validation

WEIGHTS_FILE = "pipeline.joblib"
PREDICT_CHUNK = 4096  # texts transformed at once (predict_proba, features): bounded memory at any input size
# Tokens keep inner '/', '#', '.', '-' so "w/o", "RO#", "v4.2.17" and "P/N" stay whole.
WORD_PATTERN = r"(?u)\b\w[\w/#.-]*\w\b|\b\w\b"


def _ngram(value: Sequence[int]) -> tuple[int, int]:
    low, high = value
    return int(low), int(high)


def _chunks(items: list[str]) -> list[list[str]]:
    """``items`` in runs of ``PREDICT_CHUNK`` (one run, possibly empty, when they fit)."""
    return [items[start : start + PREDICT_CHUNK] for start in range(0, len(items), PREDICT_CHUNK)] or [items]


def vocabulary_rows(n_texts: int, sample: int | None, seed: int) -> np.ndarray | None:
    """The rows whose n-grams make the vocabulary: a seeded sample of ``sample``, or None for all rows."""
    if not sample or n_texts <= int(sample):
        return None
    return np.sort(np.random.default_rng(seed).choice(n_texts, int(sample), replace=False))


def stack_rows(blocks: list[sparse.csr_matrix]) -> sparse.csr_matrix:
    """``sparse.vstack`` that frees each block once copied: memory peaks near the result, not twice it.

    The result's arrays are allocated empty (pages are committed as they are
    written) and each block is released as soon as its rows are in, so the
    process holds about one copy of the rows at any time. ``blocks`` is emptied.
    """
    nnz, rows, columns = sum(b.nnz for b in blocks), sum(b.shape[0] for b in blocks), blocks[0].shape[1]
    index_type = np.int32 if max(nnz, columns) < np.iinfo(np.int32).max else np.int64
    data = np.empty(nnz, dtype=blocks[0].data.dtype)
    indices = np.empty(nnz, dtype=index_type)
    indptr = np.empty(rows + 1, dtype=index_type)
    indptr[0] = position = row = 0
    while blocks:
        block = blocks.pop(0)
        data[position : position + block.nnz] = block.data
        indices[position : position + block.nnz] = block.indices
        indptr[row + 1 : row + 1 + block.shape[0]] = block.indptr[1:] + position
        position, row = position + block.nnz, row + block.shape[0]
        del block
        release_freed_memory()
    return sparse.csr_matrix((data, indices, indptr), shape=(rows, columns))


def _drop_volatile_state(pipeline: Pipeline) -> None:
    """Remove cache attributes that hold memory addresses, so equal models pickle to equal bytes.

    scikit-learn vectorizers remember ``id(stop_words)`` to skip a repeated check;
    the address differs on every run, which would change the model's digest (and
    DVC's lock) even when the learned weights are identical.
    """
    for _, vectorizer in pipeline.named_steps["features"].transformer_list:
        vectorizer.__dict__.pop("_stop_words_id", None)


class TfidfClassifier:
    """Word and char_wb TF-IDF features feeding the classifier a subclass builds."""

    family: ClassVar[str]
    libraries: ClassVar[tuple[str, ...]] = ("scikit-learn", "scipy", "numpy", "joblib")

    def __init__(self, params: dict[str, Any], seed: int = 0) -> None:
        self.params = dict(params)
        self.seed = seed
        self.classes_: list[str] = []
        self._pipeline: Pipeline | None = None

    def _classifier(self, labels: Sequence[str]) -> ClassifierMixin:
        raise NotImplementedError

    def _linear_estimator(self) -> Any:
        """The fitted linear model whose ``coef_`` rows score the classes (one per subclass)."""
        raise NotImplementedError

    def _vectorizer(self, analyzer: str, ngram_range: Sequence[int], **extra: Any) -> TfidfVectorizer:
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

    def _features(self) -> FeatureUnion:
        return FeatureUnion(
            [
                ("word", self._vectorizer("word", self.params["word_ngram_range"], token_pattern=WORD_PATTERN)),
                ("char", self._vectorizer("char_wb", self.params["char_ngram_range"])),
            ]
        )

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        *,
        sample_weight: np.ndarray | None = None,
        validation: Validation | None = None,
    ) -> TfidfClassifier:
        """Fit features and classifier on the training split (validation is used by the stage, not here).

        Up to ``vocabulary_sample`` notes, one scikit-learn ``Pipeline.fit``. Beyond it, the
        vocabulary and IDF weights are fitted on a seeded random sample of that many notes
        (whose rows that fit gives), the other notes are transformed with them a chunk at a
        time, and the classifier is fitted on all of them, the sample's rows first. Counting
        the n-grams of every note before pruning them to ``max_features`` was the train
        stage's memory peak (1.4 GB for the char n-grams of 134,000 notes), and a vocabulary
        that kept growing with the data made each solver iteration wider (bench/scale.py).
        """
        texts, labels = list(texts), list(labels)
        classifier = self._classifier(labels)
        sample = vocabulary_rows(len(texts), self.params.get("vocabulary_sample"), self.seed)
        if sample is None:
            pipeline = Pipeline([("features", self._features()), ("classifier", classifier)])
            fit_params = {"classifier__sample_weight": sample_weight} if sample_weight is not None else {}
            pipeline.fit(texts, labels, **fit_params)
        else:
            # The sample's rows come from fitting the vocabulary on them, the other rows a chunk at a time; the
            # classifier sees every note once, in this (seeded, deterministic) order: the sample, then the rest.
            union = self._features()
            pipeline = Pipeline([("features", union), ("classifier", classifier)])
            self._pipeline = pipeline  # features() transforms with the union fitted on the line below
            rest = np.setdiff1d(np.arange(len(texts)), sample)
            order = np.concatenate([sample, rest])
            features = self.features(
                [texts[i] for i in rest], first=union.fit_transform([texts[i] for i in sample]).tocsr()
            )
            fit_params = {"sample_weight": np.asarray(sample_weight)[order]} if sample_weight is not None else {}
            classifier.fit(features, [labels[i] for i in order], **fit_params)
            del features
            release_freed_memory()
        self._pipeline = pipeline
        self.classes_ = [str(c) for c in pipeline.classes_]
        return self

    @property
    def pipeline(self) -> Pipeline:
        if self._pipeline is None:
            raise RuntimeError("model is not fitted")
        return self._pipeline

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """The pipeline's probabilities, computed without its per-call overhead.

        ``Pipeline``/``FeatureUnion`` dispatch every call through joblib and
        re-validate parameters and finiteness; for one short note that was about
        two thirds of the time (bench/serve.py). The blocks are stacked in the
        union's order, so the result is identical (max difference 0.0, and the
        pipeline's outputs are byte-identical in dvc.lock).

        Large inputs go through in chunks of ``PREDICT_CHUNK`` texts: every row's
        features and probabilities depend on that row alone, so the result is the
        same, and the transform's intermediate memory no longer grows with the
        number of texts (bench/scale.py: evaluate's peak at 192,000 notes fell from
        1,502 to 1,376 MB).
        """
        items = list(texts)
        classifier = self.pipeline.named_steps["classifier"]
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            parts = [classifier.predict_proba(self._feature_rows(chunk)) for chunk in _chunks(items)]
        return parts[0] if len(parts) == 1 else np.vstack(parts)

    def save(self, directory: Path) -> list[str]:
        _drop_volatile_state(self.pipeline)
        joblib.dump(self.pipeline, directory / WEIGHTS_FILE, compress=3)
        return [WEIGHTS_FILE]

    @classmethod
    def load(cls, directory: Path, params: dict[str, Any]) -> TfidfClassifier:
        model = cls(params)
        model._pipeline = joblib.load(directory / WEIGHTS_FILE)
        model.classes_ = [str(c) for c in model._pipeline.classes_]
        return model

    # -- linear view: what exact explanations need ---------------------------------

    def vectorizers(self) -> list[tuple[str, TfidfVectorizer]]:
        """``[("word", ...), ("char", ...)]``: the fitted feature blocks, in column order."""
        return list(self.pipeline.named_steps["features"].transformer_list)

    def features(self, texts: Sequence[str], first: sparse.csr_matrix | None = None) -> sparse.csr_matrix:
        """The TF-IDF rows the classifier sees (after the rows of ``first``, when given).

        A large input (the training split) is transformed ``PREDICT_CHUNK`` texts at a
        time and stacked: the rows are the same, and the vectorizers' per-call working
        memory stays that of one chunk; freed temporaries go back to the system as it goes.
        """
        blocks = [] if first is None else [first]
        del first  # stack_rows frees each block once copied: no other reference may keep one alive
        for chunk in _chunks(list(texts)):
            blocks.append(self._feature_rows(chunk))
            release_freed_memory()
        return blocks[0] if len(blocks) == 1 else stack_rows(blocks)

    def _feature_rows(self, items: list[str]) -> sparse.csr_matrix:
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            return sparse.hstack([vectorizer.transform(items) for _, vectorizer in self.vectorizers()], format="csr")

    def class_weights(self) -> tuple[np.ndarray, np.ndarray]:
        """``(coef (K, F), intercept (K,))`` of the per-class linear scores.

        A binary model stores one row ``w`` for the second class; it is expanded
        to ``[-w/2, w/2]``, which gives the same softmax/sigmoid decisions.
        """
        estimator = self._linear_estimator()
        coef = np.asarray(estimator.coef_.toarray() if sparse.issparse(estimator.coef_) else estimator.coef_)
        intercept = np.atleast_1d(np.asarray(estimator.intercept_, dtype=float))
        if coef.shape[0] == 1 and len(self.classes_) == 2:
            coef, intercept = np.vstack([-coef / 2, coef / 2]), np.array([-intercept[0] / 2, intercept[0] / 2])
        return coef, intercept

    def refit_class_weights(
        self, features: sparse.csr_matrix, labels: Sequence[str], sample_weight: np.ndarray | None = None
    ) -> np.ndarray:
        """Refit only the linear scores on fixed features (bootstrap stability of explanations).

        Starts from the shipped coefficients where the solver allows it: the
        problem is convex, so the optimum is the same and a refit takes a few
        iterations instead of a full fit.
        """
        fitted = self._linear_estimator()
        estimator = clone(fitted)
        if hasattr(estimator, "warm_start"):
            estimator.set_params(warm_start=True)
            estimator.coef_, estimator.intercept_ = fitted.coef_.copy(), np.array(fitted.intercept_, copy=True)
            estimator.classes_ = fitted.classes_
        estimator.fit(features, list(labels), sample_weight=sample_weight)
        coef = np.asarray(estimator.coef_)
        if coef.shape[0] == 1 and len(self.classes_) == 2:
            coef = np.vstack([-coef / 2, coef / 2])
        return coef

    def describe(self) -> dict[str, Any]:
        features = self.pipeline.named_steps["features"]
        sizes = {name: len(vec.vocabulary_) for name, vec in features.transformer_list}
        return {"vocabulary_size": sizes, "n_features": int(sum(sizes.values())), "n_classes": len(self.classes_)}

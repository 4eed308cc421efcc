"""A TF-IDF linear model compiled for serving: the same probabilities without scikit-learn's per-call cost.

For one short note, ``TfidfVectorizer.transform`` spends about 90% of its time
in input validation, dispatch and sparse-matrix bookkeeping rather than in
tokenising (bench/serve.py; the two analyzers take ~0.05 ms of ~2 ms). Serving
answers one note at a time, so that overhead was the service's latency.

``CompiledTfidf`` keeps the fitted pieces that define the computation (each
block's analyzer, vocabulary and idf, and for logistic regression the class
weights) and evaluates them directly: count the analyzer's terms, ``1 + log``
(sublinear tf), multiply by idf, L2-normalise each block, then either
``softmax(x W^T + b)`` or, for other classifiers, the classifier's own
``predict_proba`` on the identical features. Summation order differs from
scikit-learn's, so results agree to rounding (about 1e-16), not bit for bit;
``max_difference`` measures that on real texts and serving refuses the compiled
path when it exceeds a tolerance.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import repeat

import numpy as np
import sklearn
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from vigil.modeling.tfidf import TfidfClassifier


class NotCompilable(ValueError):
    """The fitted model uses an option the compiled path does not reproduce."""


@dataclass(frozen=True)
class _Block:
    analyze: Callable[[str], list[str]]
    vocabulary: dict[str, int]
    idf: np.ndarray
    sublinear_tf: bool
    l2_norm: bool


def _block(name: str, vectorizer: TfidfVectorizer) -> _Block:
    if not isinstance(vectorizer, TfidfVectorizer):
        raise NotCompilable(f"feature block {name!r} is a {type(vectorizer).__name__}, not a TfidfVectorizer")
    if vectorizer.binary or not vectorizer.use_idf or vectorizer.norm not in ("l2", None):
        raise NotCompilable(f"feature block {name!r}: binary/idf/norm options outside the compiled path")
    if np.dtype(vectorizer.dtype) != np.float64:
        raise NotCompilable(f"feature block {name!r}: dtype {vectorizer.dtype} (the compiled path is float64)")
    return _Block(
        analyze=vectorizer.build_analyzer(),
        vocabulary=dict(vectorizer.vocabulary_),
        idf=np.asarray(vectorizer.idf_, dtype=np.float64),
        sublinear_tf=bool(vectorizer.sublinear_tf),
        l2_norm=vectorizer.norm == "l2",
    )


@dataclass(frozen=True)
class _Entries:
    """One block's rows for a batch: known terms only, in row order, values already TF-IDF and normalised."""

    rows: np.ndarray
    columns: np.ndarray
    values: np.ndarray
    lengths: np.ndarray  # entries per text


def _block_entries(block: _Block, texts: Sequence[str]) -> _Entries:
    """The batch's rows in one block, as ``TfidfVectorizer.transform`` computes them.

    Only the analyzer and the term counting run per text; everything after is
    one array operation over the whole batch.
    """
    columns: list[int] = []
    counts: list[int] = []
    term_counts = np.empty(len(texts), dtype=np.int64)
    lookup = block.vocabulary.get
    for index, text in enumerate(texts):
        counted = Counter(block.analyze(text))
        columns.extend(map(lookup, counted, repeat(-1)))
        counts.extend(counted.values())
        term_counts[index] = len(counted)
    all_columns = np.asarray(columns, dtype=np.int64)
    known = all_columns >= 0
    rows = np.repeat(np.arange(len(texts)), term_counts)[known]
    column_array = all_columns[known]
    values = np.asarray(counts, dtype=np.float64)[known]
    if block.sublinear_tf:
        values = np.log(values) + 1.0
    values *= block.idf[column_array]
    if block.l2_norm and values.size:
        values /= np.sqrt(np.bincount(rows, weights=values * values, minlength=len(texts)))[rows]
    return _Entries(rows, column_array, values, np.bincount(rows, minlength=len(texts)))


def _entries_scores(entries: _Entries, weights: np.ndarray) -> np.ndarray:
    """``X @ weights`` for one block's rows, without building a sparse matrix."""
    scores = np.zeros((len(entries.lengths), weights.shape[1]))
    if entries.values.size:
        filled = entries.lengths > 0
        starts = (np.cumsum(entries.lengths) - entries.lengths)[filled]
        scores[filled] = np.add.reduceat(weights[entries.columns] * entries.values[:, None], starts, axis=0)
    return scores


def _softmax(scores: np.ndarray) -> np.ndarray:
    scores = scores - scores.max(axis=1, keepdims=True)
    np.exp(scores, out=scores)
    return scores / scores.sum(axis=1, keepdims=True)


class CompiledTfidf:
    """``predict_proba`` of a fitted ``TfidfClassifier``, evaluated directly (see the module docstring)."""

    def __init__(self, model: TfidfClassifier) -> None:
        self.family = model.family
        self.classes_ = list(model.classes_)
        self._blocks = [_block(name, vectorizer) for name, vectorizer in model.vectorizers()]
        classifier = model.pipeline.named_steps["classifier"]
        self._classifier = classifier
        # Logistic regression: per block, the (features, classes) slice of W^T, rows gathered per term.
        self._weights: list[np.ndarray] | None = None
        self._intercept = np.zeros(len(self.classes_))
        if isinstance(classifier, LogisticRegression):
            coef, self._intercept = model.class_weights()
            bounds = np.cumsum([0, *(len(block.idf) for block in self._blocks)])
            self._weights = [np.ascontiguousarray(coef[:, a:b].T) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]

    @property
    def path(self) -> str:
        """Which scoring runs: the direct linear softmax, or the classifier's own method on direct features."""
        return "linear-softmax" if self._weights is not None else "features+classifier"

    def features(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """The TF-IDF rows (blocks side by side, in the union's column order)."""
        blocks = []
        for block in self._blocks:
            entries = _block_entries(block, texts)
            pointers = np.concatenate([[0], np.cumsum(entries.lengths)])
            blocks.append(
                sparse.csr_matrix((entries.values, entries.columns, pointers), shape=(len(texts), len(block.idf)))
            )
        matrix = blocks[0] if len(blocks) == 1 else sparse.hstack(blocks, format="csr")
        matrix.sort_indices()
        return matrix

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if self._weights is None:
            with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
                return np.asarray(self._classifier.predict_proba(self.features(texts)))
        scores = self._intercept + sum(
            _entries_scores(_block_entries(block, texts), weights)
            for block, weights in zip(self._blocks, self._weights, strict=True)
        )
        return _softmax(np.asarray(scores))


def max_difference(compiled: CompiledTfidf, model: TfidfClassifier, texts: Sequence[str]) -> float:
    """Largest absolute probability difference between the compiled path and the model on ``texts``."""
    return float(np.abs(compiled.predict_proba(texts) - model.predict_proba(texts)).max())

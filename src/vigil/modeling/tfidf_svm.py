"""TF-IDF with a linear SVM whose scores are calibrated into probabilities.

A linear SVM is often the strongest sparse-text classifier, but its decision
values are not probabilities; the policy gate, the fairness audit and the
serving API all need probabilities. ``CalibratedClassifierCV(ensemble=False)``
fits a per-class sigmoid (Platt) or isotonic map on out-of-fold decision values
and one SVM on all training data, so serving runs one SVM, not k (the k-model
ensemble measured 15 ms per single text here, four times the logistic
regression). Folds are stratified and unshuffled so the result is
deterministic; k shrinks to the smallest class count (>= 2) so rare classes in
real data do not make the fit impossible, and a class with a single training
note is dealt to one fold (:class:`RoundRobinFolds`) instead of being refused.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from vigil.modeling.tfidf import TfidfClassifier


def calibration_folds(labels: Sequence[str], wanted: int) -> int:
    """Folds for calibration: ``wanted`` unless the rarest class (of those with two or more examples) has fewer."""
    counts = [n for n in Counter(labels).values() if n >= 2] or [2]
    return max(2, min(int(wanted), min(counts)))


class RoundRobinFolds:
    """Folds that deal each class's examples in turn, so a class with one training note is in one fold only.

    StratifiedKFold refuses a class with fewer examples than folds; real exports have such classes (a label
    with 3 records leaves 1 training note). Here such a note is out-of-fold once, like every other, and the
    SVM of that fold has not seen its class: its calibrated probability is then low, as it should be for a
    class learnt from one note. Deterministic (no shuffle), and the same partition as a stratified split.
    """

    def __init__(self, folds: int) -> None:
        # Not named n_splits: scikit-learn reads that attribute to refuse a class with fewer examples than folds,
        # the very case these folds are for.
        self.folds = folds

    def get_n_splits(self, *_: object, **__: object) -> int:
        return self.folds

    def split(self, X: object, y: Sequence[str], groups: object = None) -> Iterator[tuple[np.ndarray, np.ndarray]]:  # noqa: N803
        labels = np.asarray(y)
        fold = np.empty(len(labels), dtype=int)
        for label in np.unique(labels):
            members = np.flatnonzero(labels == label)
            fold[members] = np.arange(len(members)) % self.folds
        for k in range(self.folds):
            yield np.flatnonzero(fold != k), np.flatnonzero(fold == k)


class TfidfSvm(TfidfClassifier):
    family = "tfidf_svm"

    def _classifier(self, labels: Sequence[str]) -> CalibratedClassifierCV:
        p = self.params
        svm = LinearSVC(C=p["C"], class_weight=p["class_weight"], max_iter=p["max_iter"], random_state=self.seed)
        k = calibration_folds(labels, p["calibration_folds"])
        rarest = min(Counter(labels).values())
        folds = StratifiedKFold(n_splits=k, shuffle=False) if rarest >= k else RoundRobinFolds(k)
        return CalibratedClassifierCV(svm, method=p["calibration_method"], cv=folds, ensemble=False)

    def _linear_estimator(self) -> LinearSVC:
        """The one SVM fitted on all training data (``ensemble=False``); calibration maps its scores."""
        return self.pipeline.named_steps["classifier"].calibrated_classifiers_[0].estimator

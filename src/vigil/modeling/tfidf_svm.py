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
from collections.abc import Sequence

from sklearn.calibration import CalibratedClassifierCV
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from vigil.folds import RoundRobinFolds
from vigil.modeling.tfidf import TfidfClassifier


def calibration_folds(labels: Sequence[str], wanted: int) -> int:
    """Folds for calibration: ``wanted`` unless the rarest class (of those with two or more examples) has fewer."""
    counts = [n for n in Counter(labels).values() if n >= 2] or [2]
    return max(2, min(int(wanted), min(counts)))


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

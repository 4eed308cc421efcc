"""TF-IDF with a linear SVM whose scores are calibrated into probabilities.

A linear SVM is often the strongest sparse-text classifier, but its decision
values are not probabilities; the policy gate, the fairness audit and the
serving API all need probabilities. ``CalibratedClassifierCV(ensemble=False)``
fits a per-class sigmoid (Platt) or isotonic map on out-of-fold decision values
and one SVM on all training data, so serving runs one SVM, not k (the k-model
ensemble measured 15 ms per single text here, four times the logistic
regression). Folds are stratified and unshuffled so the result is
deterministic; k shrinks to the smallest class count (>= 2) so rare classes in
real data do not make the fit impossible.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from sklearn.calibration import CalibratedClassifierCV
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from vigil.errors import VigilError
from vigil.modeling.tfidf import TfidfClassifier


def calibration_folds(labels: Sequence[str], wanted: int) -> int:
    """Folds for calibration: ``wanted`` unless the rarest class has fewer examples."""
    rarest = min(Counter(labels).values())
    if rarest < 2:
        raise VigilError(
            "model tfidf_svm: a class has a single training example; calibration needs >= 2 per class "
            "(drop rare labels with data.rare_labels: drop, or use tfidf_logreg)"
        )
    return max(2, min(int(wanted), rarest))


class TfidfSvm(TfidfClassifier):
    family = "tfidf_svm"

    def _classifier(self, labels: Sequence[str]) -> CalibratedClassifierCV:
        p = self.params
        svm = LinearSVC(C=p["C"], class_weight=p["class_weight"], max_iter=p["max_iter"], random_state=self.seed)
        folds = StratifiedKFold(n_splits=calibration_folds(labels, p["calibration_folds"]), shuffle=False)
        return CalibratedClassifierCV(svm, method=p["calibration_method"], cv=folds, ensemble=False)

    def _linear_estimator(self) -> LinearSVC:
        """The one SVM fitted on all training data (``ensemble=False``); calibration maps its scores."""
        return self.pipeline.named_steps["classifier"].calibrated_classifiers_[0].estimator

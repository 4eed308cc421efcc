"""TF-IDF with class-weighted multinomial logistic regression: the default family.

Trains in seconds on 2 cores, gives probabilities that are already close to
calibrated, and its coefficients are exact explanations.
"""

from __future__ import annotations

from collections.abc import Sequence

from sklearn.linear_model import LogisticRegression

from vigil.modeling.tfidf import TfidfClassifier


class TfidfLogReg(TfidfClassifier):
    family = "tfidf_logreg"

    def _classifier(self, labels: Sequence[str]) -> LogisticRegression:
        p = self.params
        return LogisticRegression(
            C=p["C"], class_weight=p["class_weight"], max_iter=p["max_iter"], random_state=self.seed
        )

    def _linear_estimator(self) -> LogisticRegression:
        return self.pipeline.named_steps["classifier"]

"""How much of a candidate label the notes explain: the evidence that tells a label from another category column.

A maintenance export has several columns of a few repeated values: the failure
mode, but also the order type, the priority, the plant. The label is the one the
note is *about*, so the notes predict it. A quick cross-validated classifier
(TF-IDF words, multinomial naive Bayes) on a sample measures that as balanced
accuracy adjusted for chance: 0 means the notes say nothing about the column, 1
that they determine it. It is evidence shown next to the guess, not a model.
The notes are vectorised once; each candidate then costs one naive Bayes
cross-validation (milliseconds), so every category column of a wide export
(the FAA file has 181 columns) can be weighed.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.naive_bayes import MultinomialNB

SAMPLE = 2_000
FOLDS = 3


class TextEvidence:
    """The notes of a table, vectorised once, against which candidate label columns are scored."""

    def __init__(self, texts: pd.Series, seed: int = 0) -> None:
        present = texts[texts.notna()].astype(str)
        if len(present) > SAMPLE:
            present = present.sample(n=SAMPLE, random_state=seed)
        self.rows = present.index
        self.seed = seed
        self.features = (
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit_transform(present) if len(present) else None
        )

    def explained(self, labels: pd.Series) -> float | None:
        """Chance-adjusted balanced accuracy of predicting ``labels`` from the notes (None: too few rows to tell).

        Rows whose label is missing are left out; so are classes with fewer rows than folds (they cannot be
        cross-validated), as a person would ignore them.
        """
        if self.features is None:
            return None
        values = labels.reindex(self.rows)
        keep = values.notna().to_numpy()
        values = values[keep].astype(str)
        counts = values.value_counts()
        kept = values.isin(counts[counts >= FOLDS].index).to_numpy()
        values = values[kept]
        if values.nunique() < 2 or len(values) < 4 * FOLDS:
            return None
        features = self.features[np.flatnonzero(keep)[kept]]
        folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=self.seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            predicted = cross_val_predict(MultinomialNB(alpha=0.1), features, values.to_numpy(), cv=folds)
        score = balanced_accuracy_score(values.to_numpy(), predicted, adjusted=True)
        return round(float(np.clip(score, 0.0, 1.0)), 3)

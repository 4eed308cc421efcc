"""The predictions table (``reports/predictions.parquet``) the audit stages read.

One row per test record: id, the (scrubbed) text, true and predicted label,
the predicted label's confidence, one ``proba__<label>`` column per class and
the group columns — everything fairness and error analysis need without
reloading the model.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from vigil.data.schema import LABEL, RECORD_ID, TEXT

PROBA_PREFIX = "proba__"


def predictions_table(
    test: pd.DataFrame, proba: np.ndarray, labels: list[str], predicted: Sequence[str], group_columns: Sequence[str]
) -> pd.DataFrame:
    """``confidence`` is the probability of the predicted label (the decision may not be the arg-max)."""
    column_of = {label: i for i, label in enumerate(labels)}
    confidence = proba[np.arange(len(predicted)), [column_of[p] for p in predicted]]
    table = pd.DataFrame(
        {
            RECORD_ID: test[RECORD_ID].to_numpy(),
            TEXT: test[TEXT].to_numpy(),
            "y_true": test[LABEL].to_numpy(),
            "y_pred": list(predicted),
            "confidence": confidence.round(6),
        }
    )
    for index, label in enumerate(labels):
        table[f"{PROBA_PREFIX}{label}"] = proba[:, index].round(6)
    for column in group_columns:
        table[column] = test[column].to_numpy()
    return table


def class_labels(table: pd.DataFrame) -> list[str]:
    """The model's labels, in model order, from the ``proba__<label>`` columns."""
    return [c[len(PROBA_PREFIX) :] for c in table.columns if c.startswith(PROBA_PREFIX)]

"""Scores as rows: the columns of ``reports/predictions.parquet`` that do not need a label.

``y_pred`` is the model's decision (its tuned offsets, when it has them), and
``confidence`` that label's probability, as the evaluate stage writes them, so a
scoring run and the evaluation of the same notes agree row for row.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from vigil.evaluation.predictions import PROBA_PREFIX
from vigil.modeling.predictor import Predictor


def output_schema(labels: list[str]) -> pa.Schema:
    return pa.schema(
        [("record_id", pa.string()), ("y_pred", pa.string()), ("confidence", pa.float64())]
        + [(f"{PROBA_PREFIX}{label}", pa.float64()) for label in labels]
    )


def score_batch(predictor: Predictor, batch: pa.RecordBatch) -> pa.RecordBatch:
    """(record_id, text) in, one scored row per note out, in :func:`output_schema`."""
    labels = list(predictor.classes_)
    texts = batch.column("text").to_pylist()
    proba = predictor.predict_proba(texts) if texts else np.zeros((0, len(labels)))
    predicted = predictor.decide(proba) if texts else []
    column_of = {label: i for i, label in enumerate(labels)}
    confidence = proba[np.arange(len(predicted)), [column_of[p] for p in predicted]]
    arrays = [batch.column("record_id"), pa.array(predicted, pa.string()), pa.array(confidence.round(6))]
    arrays += [pa.array(proba[:, i].round(6)) for i in range(len(labels))]
    return pa.RecordBatch.from_arrays(arrays, schema=output_schema(labels))

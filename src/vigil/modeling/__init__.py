"""Model families behind one interface (fit / predict_proba / save / load / describe).

``build_model`` picks a family from ``params.model.family``; ``load_model``
verifies and reads a saved directory and returns a :class:`Predictor` (family +
calibration + decision rule), so evaluation and serving never need to know
which family trained the model.
"""

from vigil.modeling.artifact import load_model, read_model_card, save_model
from vigil.modeling.base import TextClassifier
from vigil.modeling.predictor import Predictor
from vigil.modeling.registry import build_model, model_families

__all__ = [
    "Predictor",
    "TextClassifier",
    "build_model",
    "load_model",
    "model_families",
    "read_model_card",
    "save_model",
]

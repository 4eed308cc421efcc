"""Model families behind one interface (fit / predict_proba / save / load / describe).

``build_model`` picks a family from ``params.model.family``; ``load_model``
reads ``model.json`` in a saved directory and picks the loader, so serving
never needs to know which family trained the model.
"""

from vigil.modeling.artifact import load_model, save_model
from vigil.modeling.base import TextClassifier
from vigil.modeling.registry import build_model, model_families

__all__ = ["TextClassifier", "build_model", "load_model", "model_families", "save_model"]

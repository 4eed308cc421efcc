"""Name -> model family. New families register here and nowhere else.

Families are imported on first use: the default TF-IDF pipeline and the
serving image never import the transformer modules (or torch).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from vigil.errors import VigilError
from vigil.modeling.base import TextClassifier

_FAMILIES: dict[str, str] = {
    "tfidf_logreg": "vigil.modeling.tfidf_logreg:TfidfLogReg",
    "tfidf_svm": "vigil.modeling.tfidf_svm:TfidfSvm",
    "minilm_frozen": "vigil.modeling.minilm_frozen:MiniLMFrozen",
    "minilm_finetune": "vigil.modeling.minilm_finetune:MiniLMFinetune",
}


def model_families() -> list[str]:
    return sorted(_FAMILIES)


def family_class(name: str) -> type[Any]:
    try:
        module_name, class_name = _FAMILIES[name].split(":")
    except KeyError:
        raise VigilError(f"params.yaml: unknown model.family {name!r}; known: {model_families()}") from None
    return getattr(importlib.import_module(module_name), class_name)


def build_model(model_params: Mapping[str, Any], seed: int) -> TextClassifier:
    """Instantiate the family named by ``model.family`` with its ``model.params``."""
    return family_class(str(model_params.get("family")))(dict(model_params.get("params") or {}), seed=seed)

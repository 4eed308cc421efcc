"""Name -> model family. New families register here and nowhere else."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vigil.errors import VigilError
from vigil.modeling.base import TextClassifier
from vigil.modeling.tfidf_logreg import TfidfLogReg

_FAMILIES: dict[str, type] = {TfidfLogReg.family: TfidfLogReg}


def model_families() -> list[str]:
    return sorted(_FAMILIES)


def family_class(name: str) -> type:
    try:
        return _FAMILIES[name]
    except KeyError:
        raise VigilError(f"params.yaml: unknown model.family {name!r}; known: {model_families()}") from None


def build_model(model_params: Mapping[str, Any], seed: int) -> TextClassifier:
    """Instantiate the family named by ``model.family`` with its ``model.params``."""
    return family_class(str(model_params.get("family")))(dict(model_params.get("params") or {}), seed=seed)

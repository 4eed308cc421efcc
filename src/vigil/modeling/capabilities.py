"""Optional capabilities of a model family, declared as Protocols instead of discovered by ``hasattr``.

Every family implements :class:`~vigil.modeling.base.TextClassifier`. A family that also
implements a capability here gets the extra behaviour that depends on it, checked with
``isinstance`` (the Protocols are runtime-checkable), and mypy checks the signatures
where the capability is used.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np
from scipy import sparse


@runtime_checkable
class LinearTextModel(Protocol):
    """Per-class linear scores over explicit features: what exact word attributions need.

    :class:`~vigil.modeling.tfidf.TfidfClassifier` implements it; the explain stage uses
    exact attributions for such models and occlusion for every other family.
    """

    classes_: list[str]

    def vectorizers(self) -> list[tuple[str, Any]]: ...

    def features(self, texts: Sequence[str]) -> sparse.csr_matrix: ...

    def class_weights(self) -> tuple[np.ndarray, np.ndarray]: ...

    def refit_class_weights(
        self, features: sparse.csr_matrix, labels: Sequence[str], sample_weight: np.ndarray | None = None
    ) -> np.ndarray: ...

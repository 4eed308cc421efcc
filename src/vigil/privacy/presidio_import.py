"""Import presidio without the Hugging Face engine it loads eagerly and Vigil never uses.

``presidio_analyzer.nlp_engine`` imports ``transformers.pipeline`` (for its
transformers NLP engine) and, through thinc, ``torch`` at import time, whether
or not a transformers engine is configured. That was 3.8 s of the scrub stage's
5.4 s start-up, paid again by every scrub worker process and the serving log
scrubber; Vigil's scrubber runs spaCy's CNN pipelines, which use neither.

:func:`install` (called when ``vigil.privacy`` is imported) puts a finder on
``sys.meta_path`` that wraps presidio's loader: while ``presidio_analyzer``
itself executes, the two packages are hidden (a ``None`` entry in
``sys.modules`` makes an import raise ImportError, which presidio and thinc
catch). Nothing is imported eagerly (the residual scan must never load presidio),
a process that already holds torch (a transformer model) keeps it, and torch or
transformers import normally afterwards.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

HIDDEN = ("transformers", "torch")
TARGET = "presidio_analyzer"


class _HidingLoader(importlib.abc.Loader):
    """presidio's own loader, with ``HIDDEN`` unimportable while the package body runs."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self.loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        hidden = [name for name in HIDDEN if name not in sys.modules]
        for name in hidden:
            sys.modules[name] = None  # type: ignore[assignment]
        try:
            self.loader.exec_module(module)
        finally:
            for name in hidden:
                if name in sys.modules and sys.modules[name] is None:
                    del sys.modules[name]


class _PresidioFinder(importlib.abc.MetaPathFinder):
    """Finds ``presidio_analyzer`` as usual and hands back the spec with the hiding loader."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != TARGET:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _HidingLoader(spec.loader)
        return spec


def install() -> None:
    """Make the first import of presidio skip torch and transformers (idempotent)."""
    if TARGET in sys.modules or any(isinstance(f, _PresidioFinder) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, _PresidioFinder())

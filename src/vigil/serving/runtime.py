"""The loaded model and the one call a request makes: texts in, label + probabilities out.

Loaded once per worker; a self-test prediction at start-up decides readiness,
so ``/ready`` never reports a model that cannot predict. TF-IDF families are
served through their compiled path (``vigil.modeling.tfidf_compiled``, about 4.6x
faster for one note) only after it reproduces the model's own probabilities on
probe texts at start-up; otherwise the model's own path serves and the log says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from vigil.errors import VigilError
from vigil.log import get_logger
from vigil.modeling.artifact import load_model, model_version
from vigil.modeling.predictor import Predictor
from vigil.modeling.tfidf import TfidfClassifier
from vigil.modeling.tfidf_compiled import CompiledTfidf, NotCompilable, max_difference
from vigil.monitoring.text_stats import model_vocabulary
from vigil.serving.manifest_trust import ManifestTrust, check_manifest_signer
from vigil.serving.model_check import check_model_against_manifest

SELF_TEST_TEXT = "brake pedal soft, fluid leak at caliper"
PROBE_TEXTS = (
    SELF_TEST_TEXT,
    "Freio dianteiro com ruído metálico; pastilha gasta, troca em 12/03 (OS#4471)",
    "ÉLECTRIQUE: façade fissurée, ça ne marche pas",
    "zzqx wvvk",
    "",
)
COMPILED_TOLERANCE = 1e-9  # probabilities; the compiled path differs from the model's by rounding (~1e-16)

log = get_logger("serving.runtime")


@dataclass
class ModelRuntime:
    """A verified, loaded model with its identity (version and manifest digest)."""

    predictor: Predictor
    card: dict[str, Any]
    model_version: str
    manifest_digest: str | None
    vocabulary: frozenset[str] | None = None
    inference_path: str = "model"
    ready: bool = False

    @property
    def labels(self) -> list[str]:
        return list(self.predictor.classes_)

    def self_test(self) -> None:
        """One real prediction; marks the runtime ready only when it returns a valid distribution."""
        proba = self.predictor.predict_proba([SELF_TEST_TEXT])
        if proba.shape != (1, len(self.labels)) or not np.isclose(proba.sum(), 1.0, atol=1e-4):
            raise VigilError("model self-test failed: the probabilities are not a distribution over the labels")
        self.ready = True

    def predict(self, texts: Sequence[str], top_k: int) -> list[dict[str, Any]]:
        """Decided label, calibrated probabilities and the top-k for each text."""
        proba = self.predictor.predict_proba(list(texts))
        labels = self.predictor.decide(proba)
        classes = self.labels
        k = min(top_k, len(classes))
        order = np.argsort(-proba, axis=1)[:, :k]
        results = []
        for row, label, ranked in zip(proba, labels, order, strict=True):
            probabilities = {c: round(float(p), 6) for c, p in zip(classes, row, strict=True)}
            results.append(
                {
                    "label": label,
                    "probability": probabilities[label],
                    "probabilities": probabilities,
                    "top_k": [{"label": classes[i], "probability": probabilities[classes[i]]} for i in ranked],
                }
            )
        return results


def attach_compiled_scorer(predictor: Predictor, vocabulary: frozenset[str] | None) -> str:
    """Serve a TF-IDF family through its compiled path when it reproduces the model; returns the path used."""
    model = predictor.model
    if not isinstance(model, TfidfClassifier):
        return "model"  # transformer families already serve through ONNX Runtime
    try:
        compiled = CompiledTfidf(model)
    except NotCompilable as exc:
        log.warning("compiled path unavailable; serving the model's own path", extra={"reason": str(exc)})
        return "model"
    words = sorted(vocabulary or ())  # a probe that touches ~300 word columns besides the fixed texts
    probes = [*PROBE_TEXTS, " ".join(words[:: max(1, len(words) // 300)])]
    difference = max_difference(compiled, model, probes)
    if difference > COMPILED_TOLERANCE:
        log.warning("compiled path disagrees with the model; serving the model's own path",
                    extra={"max_difference": difference})  # fmt: skip
        return "model"
    predictor.scorer = compiled.predict_proba
    return f"compiled:{compiled.path}"


def load_runtime(
    model_dir: str | Path, manifest: str | Path | None, trust: ManifestTrust | None = None
) -> ModelRuntime:
    """Check the manifest's signer (with ``trust``), the directory against the manifest, load, self-test."""
    directory = Path(model_dir)
    if manifest and trust is not None:
        signer = check_manifest_signer(Path(manifest), trust)  # before any model byte is read
        log.info("manifest signer accepted", extra={"manifest": str(manifest), "signer": signer})
    digest = check_model_against_manifest(directory, Path(manifest)) if manifest else None
    predictor = load_model(directory)
    card = predictor.card
    vocabulary = model_vocabulary(predictor.model)
    inference_path = attach_compiled_scorer(predictor, vocabulary)
    runtime = ModelRuntime(
        predictor=predictor,
        card=card,
        model_version=model_version(directory, card),
        manifest_digest=digest,
        vocabulary=vocabulary,
        inference_path=inference_path,
    )
    runtime.self_test()
    return runtime

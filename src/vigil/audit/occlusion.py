"""Model-agnostic word attributions by occlusion, for the transformer options.

A word's weight for class ``k`` is how much the served log-probability of ``k``
drops when that word is deleted from the text: ``log p_k(text) - log p_k(text
without word i)``. It runs the shipped predictor (ONNX graph, calibration), so
it explains the artifact that serves, needs no torch, and costs one forward
pass per word. Unlike Integrated Gradients it ignores interactions between
words (deleting two words at once is not the sum of deleting each); the
report says which method produced the numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from tqdm import tqdm

from vigil.audit.tokens import word_spans

_EPS = 1e-12


def occluded_variants(text: str) -> list[str]:
    """The text with each word deleted in turn (surrounding whitespace collapsed to one space)."""
    variants = []
    for start, end in word_spans(text):
        variants.append((text[:start].rstrip() + " " + text[end:].lstrip()).strip())
    return variants


def occlusion_attributions(
    predict_proba: Callable[[list[str]], np.ndarray],
    texts: Sequence[str],
    *,
    batch_texts: int = 16,
    progress: bool = False,
) -> list[np.ndarray]:
    """Per text, an array ``(n_words, K)``: log-probability drop of every class when each word is deleted."""
    results: list[np.ndarray] = []
    bar = tqdm(total=len(texts), desc="occlusion", unit="text", disable=not progress)
    for start in range(0, len(texts), batch_texts):
        chunk = list(texts[start : start + batch_texts])
        variants = [occluded_variants(t) for t in chunk]
        flat = [t for t in chunk] + [v for group in variants for v in group]
        log_proba = np.log(np.clip(predict_proba(flat), _EPS, 1.0))
        full, cursor = log_proba[: len(chunk)], len(chunk)
        for i, group in enumerate(variants):
            results.append(full[i][None, :] - log_proba[cursor : cursor + len(group)])
            cursor += len(group)
        bar.update(len(chunk))
    bar.close()
    return results

"""Serving's compiled TF-IDF path against the fitted scikit-learn pipeline, in-process.

Needs the pipeline outputs (``make run``) with a TF-IDF family. Both sides score
the same test-split notes: one note per call (how an idle service calls the
model) and 32 per call (a merged batch). Reports median milliseconds per call,
the speed-up, and the largest probability difference over the whole split.

    python bench/compiled_tfidf.py [--calls 500]

Last lines: one row per case and ``max |difference|``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from vigil.modeling.artifact import load_model
from vigil.modeling.tfidf_compiled import CompiledTfidf, max_difference

ROOT = Path(__file__).resolve().parents[1]


def median_ms(score: Callable[[list[str]], np.ndarray], batches: list[list[str]]) -> float:
    for batch in batches[:20]:
        score(batch)  # warm-up
    times = []
    for batch in batches:
        start = time.perf_counter()
        score(batch)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=500, help="calls per case and side")
    args = parser.parse_args()
    model = load_model(ROOT / "models/model").model
    compiled = CompiledTfidf(model)  # raises for non-TF-IDF families
    texts = pd.read_parquet(ROOT / "data/processed/test.parquet")["text"].tolist()
    cases = {
        "one note": [[texts[i % len(texts)]] for i in range(args.calls)],
        "32 notes": [[texts[(i * 32 + j) % len(texts)] for j in range(32)] for i in range(max(args.calls // 5, 20))],
    }
    print(f"{model.family}, {compiled.path}; median ms per call")
    print(f"{'case':<10}{'scikit-learn':>14}{'compiled':>10}{'speed-up':>10}")
    for name, batches in cases.items():
        baseline, ours = median_ms(model.predict_proba, batches), median_ms(compiled.predict_proba, batches)
        print(f"{name:<10}{baseline:>14.3f}{ours:>10.3f}{baseline / ours:>9.1f}x")
    print(f"max |difference| over {len(texts)} test notes: {max_difference(compiled, model, texts):.1e}")


if __name__ == "__main__":
    main()

"""The default model's fit with all cores' BLAS threads against the one thread every stage uses.

Needs the pipeline outputs (``make run``). Fits the configured family on the committed
train split with OpenBLAS limited to ``os.cpu_count()`` threads (the library default)
and to 1 thread (``vigil.stage.run_stage``), alternating, and reports the median fit
time of each, whether repeated fits with the same thread count pickle to the same bytes,
and the largest probability difference between the two settings on the test split.

    python bench/blas_threads.py [--repeats 3]

Last line: ``speed-up: N.Nx`` (default threads seconds / one thread seconds).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import statistics
import time
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import yaml
from threadpoolctl import threadpool_info, threadpool_limits

from vigil.data.schema import LABEL, TEXT
from vigil.modeling.registry import build_model

ROOT = Path(__file__).resolve().parents[1]


def fit(threads: int, params: dict, train: pd.DataFrame, test_texts: list[str]) -> tuple[float, str, np.ndarray]:
    """Seconds, SHA-256 of the pickled pipeline, test probabilities."""
    model = build_model(params["model"], int(params["seed"]))
    with threadpool_limits(limits=threads, user_api="blas"):
        started = time.perf_counter()
        model.fit(train[TEXT].tolist(), train[LABEL].tolist())
        seconds = time.perf_counter() - started
    buffer = io.BytesIO()
    joblib.dump(model.pipeline, buffer)  # type: ignore[attr-defined]
    return seconds, hashlib.sha256(buffer.getvalue()).hexdigest(), model.predict_proba(test_texts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    train = pd.read_parquet(ROOT / "data/processed/train.parquet")
    test_texts = pd.read_parquet(ROOT / "data/processed/test.parquet")[TEXT].tolist()
    cores = os.cpu_count() or 1
    runs: dict[int, list[tuple[float, str, np.ndarray]]] = {cores: [], 1: []}
    for _ in range(args.repeats):
        for threads in (cores, 1):
            runs[threads].append(fit(threads, params, train, test_texts))
    kernel = sorted({str(i.get("architecture")) for i in threadpool_info() if i.get("user_api") == "blas"})
    print(f"family {params['model']['family']}, {len(train)} training notes, BLAS kernel {', '.join(kernel)}")
    print(f"| BLAS threads | median fit s | distinct model digests over {args.repeats} fits |")
    print("|---:|---:|---:|")
    for threads, results in runs.items():
        print(f"| {threads} | {statistics.median(r[0] for r in results):.2f} | {len({r[1] for r in results})} |")
    same = runs[cores][0][1] == runs[1][0][1]
    gap = float(np.abs(runs[cores][0][2] - runs[1][0][2]).max())
    verdict = "identical" if same else "differ"
    print(f"{cores} vs 1 thread: model bytes {verdict}, largest probability difference {gap:.2e}")
    base, ours = (statistics.median(r[0] for r in runs[t]) for t in (cores, 1))
    print(f"speed-up: {base / ours:.1f}x")


if __name__ == "__main__":
    main()

"""Scrubbing throughput: presidio's naive loop vs Vigil's scrub stage, same records, same run.

    python bench/scrub.py [--n 6000] [--workers 0] [--repeat 3] [--ner-scope mixed_case]

Baseline: ``AnalyzerEngine.analyze`` in a Python loop with presidio's defaults
(full spaCy pipeline, every predefined recognizer; offline model). Vigil: the
whole `scrub` stage path (`scrub_parquet`: streaming, worker start-up, batched
scoped NER, recognizers, anonymisation, residual scan, Parquet output) on the
same notes, with the committed ``scrub`` configuration (the learned name model and the
residual scan's model from ``models/``: run ``dvc repro residual_model`` first). Recall
on the generator's gold spans is printed for both so speed is not bought with leakage.
Each side runs ``--repeat`` times, alternating, and the medians are compared (one round
on a 2-core machine varied by +-15 %). Last line: ``speed-up: N.Nx``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from _common import committed_scrub_params, naive_analyzer, synthetic_gold

from vigil.privacy.config import ScrubConfig
from vigil.privacy.evaluation import DetectionScore
from vigil.privacy.parallel import scrub_parquet
from vigil.privacy.scrubber import Scrubber


def _recall(texts, gold, predicted) -> tuple[float, float]:
    score = DetectionScore()
    for text, g, p in zip(texts, gold, predicted, strict=True):
        score.add(len(text), g, p)
    recalled = sum(s.recalled for s in score.by_type.values())
    total = sum(s.gold for s in score.by_type.values())
    return recalled / total, score.leaked_share


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=6000, help="notes (the same ones for both sides)")
    parser.add_argument("--workers", type=int, default=0, help="Vigil worker processes (0 = one per core)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of both sides; medians are reported")
    parser.add_argument("--ner-scope", default="mixed_case", help="scrub.ner_scope for Vigil (mixed_case | all | none)")
    args = parser.parse_args()
    texts, gold = synthetic_gold(args.n, seed=202)
    config = ScrubConfig.from_params({**committed_scrub_params(), "workers": args.workers, "ner_scope": args.ner_scope})

    naive = naive_analyzer()
    naive.analyze(texts[0], language="en")  # warm-up outside the timing, as for Vigil's workers below
    naive_rates, vigil_rates = [], []
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "raw.parquet"
        pd.DataFrame({"record_id": [f"r{i}" for i in range(len(texts))], "text": texts}).to_parquet(source, index=False)
        # Rounds alternate the two sides, so a change in machine load weighs on both; medians are reported.
        for _ in range(args.repeat):
            started = time.perf_counter()
            naive_found = [[(r.start, r.end, r.entity_type) for r in naive.analyze(t, language="en")] for t in texts]
            naive_rates.append(len(texts) / (time.perf_counter() - started))
            started = time.perf_counter()  # includes worker start-up (spaCy load per process): conservative
            totals = scrub_parquet(source, Path(tmp) / "scrubbed.parquet", Path(tmp) / "vault.parquet", config)
            vigil_rates.append(totals.records_scanned / (time.perf_counter() - started))
        tiny = Path(tmp) / "one.parquet"
        pd.read_parquet(source).head(1).to_parquet(tiny, index=False)
        started = time.perf_counter()
        scrub_parquet(tiny, Path(tmp) / "one_out.parquet", Path(tmp) / "one_vault.parquet", config)
        startup_seconds = time.perf_counter() - started
    vigil_found = [[(r.start, r.end, r.entity_type) for r in found] for found in Scrubber(config).analyze_batch(texts)]

    naive_recall, naive_leak = _recall(texts, gold, naive_found)
    vigil_recall, vigil_leak = _recall(texts, gold, vigil_found)
    naive_rate, vigil_rate = statistics.median(naive_rates), statistics.median(vigil_rates)
    print(
        f"records: {len(texts)} synthetic notes (seed 202); cores: {os.cpu_count()}; "
        f"Vigil workers: {config.effective_workers()}; ner_scope: {config.ner_scope}"
    )
    print("| scrubber | records/s | span recall (any type overlap of same type) | PII chars unmasked |")
    print("|---|---:|---:|---:|")
    print(
        f"| presidio AnalyzerEngine loop, defaults | {naive_rate:.1f} | {naive_recall:.3f} | {100 * naive_leak:.2f}% |"
    )
    print(
        f"| Vigil scrub stage (incl. residual scan) | {vigil_rate:.1f} | {vigil_recall:.3f} | {100 * vigil_leak:.2f}% |"
    )
    print(f"Vigil fixed start-up (workers loading spaCy, 1-record file): {startup_seconds:.1f}s, included above")
    rounds = ", ".join(f"{v / n:.1f}x" for n, v in zip(naive_rates, vigil_rates, strict=True))
    print(f"per round (naive, then Vigil): {rounds}")
    print(f"speed-up: {vigil_rate / naive_rate:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())

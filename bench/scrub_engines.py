"""The scrub stage on its two engines: throughput and peak memory on the same generated notes.

    python bench/scrub_engines.py [--local-sizes 100000] [--spark-sizes 100000 400000] [--cores 2]
    python bench/record.py scrub_engines

For each size the pipeline is copied into a temporary directory with
``data.synthetic.n_records=<size>``, ``ingest`` runs once, then ``python
stages/scrub.py`` runs as DVC would run it, once per engine: ``local`` (the process
pool, ``workers=<cores>``) and ``spark`` (``local[<cores>]``, the committed window and
batch settings). Wall time is the whole stage, start-up included (imports, the JVM,
each executor's scrubber); notes/s divides the notes by it. Peak memory is the
largest sum of resident memory over the stage's process tree, sampled every 0.1 s
(bench/scale.py): the Python driver, the JVM and every Python worker. Where both
engines ran on a size, their scrubbed files are compared byte for byte.

Issue 21's targets: Spark local mode within 25 % of the local engine's notes/s, and
Spark's peak memory flat as the notes grow. Measure on an idle machine.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from scale import compose_params, pipeline_copy, run_measured

THROUGHPUT_GAP_MAX = 0.25  # Spark local mode at most 25 % slower than the local engine (issue 21)


@dataclass(frozen=True)
class Run:
    engine: str
    size: int
    seconds: float
    peak_mb: float
    output_sha256: str

    @property
    def notes_per_second(self) -> float:
        return self.size / self.seconds


def _engine_overrides(engine: str, cores: int) -> tuple[str, ...]:
    if engine == "local":
        return ("scrub.engine=local", f"scrub.workers={cores}")
    return ("scrub.engine=spark", f"scrub.spark.master='local[{cores}]'")  # quoted: brackets are Hydra syntax


def measure(size: int, engines: list[str], cores: int) -> list[Run]:
    runs = []
    with tempfile.TemporaryDirectory(prefix=f"vigil-scrub-engines-{size}-") as tmp:
        workdir = Path(tmp)
        pipeline_copy(workdir, size)
        run_measured([sys.executable, "stages/ingest.py"], workdir)
        for engine in engines:
            compose_params(workdir, size, _engine_overrides(engine, cores))
            seconds, peak = run_measured([sys.executable, "stages/scrub.py"], workdir)
            digest = hashlib.sha256((workdir / "data/interim/scrubbed.parquet").read_bytes()).hexdigest()
            runs.append(Run(engine, size, seconds, peak, digest))
            print(f"  {size:>9,} {engine:<6} {seconds:8.1f} s {peak:8.0f} MB", file=sys.stderr, flush=True)
    return runs


def table(runs: list[Run]) -> str:
    lines = ["| notes | engine | wall s | notes/s | peak MB |", "| ---: | --- | ---: | ---: | ---: |"]
    lines += [
        f"| {r.size:,} | {r.engine} | {r.seconds:.1f} | {r.notes_per_second:.0f} | {r.peak_mb:,.0f} |" for r in runs
    ]
    lines.append("")
    by = {(r.engine, r.size): r for r in runs}
    for size in sorted({r.size for r in runs}):
        if ("local", size) in by and ("spark", size) in by:
            local, spark = by["local", size], by["spark", size]
            ratio = spark.notes_per_second / local.notes_per_second
            verdict = "within" if ratio >= 1 - THROUGHPUT_GAP_MAX else "NOT within"
            same = "byte-identical" if local.output_sha256 == spark.output_sha256 else "DIFFERENT"
            lines.append(
                f"- {size:,} notes: Spark / local notes/s = {ratio:.2f} ({verdict} the 25 % target); "
                f"scrubbed files {same}."
            )
    for engine in ("local", "spark"):
        sizes = sorted(r.size for r in runs if r.engine == engine)
        if len(sizes) > 1:
            first, last = by[engine, sizes[0]], by[engine, sizes[-1]]
            memory, speed = last.peak_mb / first.peak_mb, last.notes_per_second / first.notes_per_second
            lines.append(
                f"- {engine}: peak memory x{memory:.2f} from {sizes[0]:,} to {sizes[-1]:,} notes "
                f"(x{sizes[-1] / sizes[0]:.0f} the notes); notes/s x{speed:.2f}."
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--local-sizes", type=int, nargs="*", default=[100_000])
    parser.add_argument("--spark-sizes", type=int, nargs="*", default=[100_000, 400_000])
    parser.add_argument("--cores", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    offline = {"DVC_NO_ANALYTICS": "1", "HF_HUB_OFFLINE": "1", "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": ""}
    for variable, value in offline.items():
        os.environ.setdefault(variable, value)
    runs = []
    for size in sorted(set(args.local_sizes) | set(args.spark_sizes)):
        engines = [e for e, sizes in (("local", args.local_sizes), ("spark", args.spark_sizes)) if size in sizes]
        runs += measure(size, engines, args.cores)
    print(table(runs))


if __name__ == "__main__":
    main()

"""Wall time and peak memory of every pipeline stage at growing data sizes: does each scale linearly?

    python bench/scale.py [--sizes 12000 48000 192000] [--stages train explain]
    python bench/record.py scale    # the same, kept in bench/results/scale.md

For each size the pipeline is copied into a temporary directory, ``params.yaml``
is composed with ``data.synthetic.n_records=<size>`` (the embedded generator, so
no data has to exist), and each stage's command from ``dvc.yaml`` runs in order,
as DVC would run it. The process tree of each stage (the stage and every worker
it starts) is sampled every 0.1 s: peak memory is the largest *sum* of resident
memory over the tree, so a worker pool counts whole (pages shared between
processes count once per process). ``report`` is left out: it
needs a git repository and measures rendering, not data size.

Issue 21's targets, per 4x records: wall time at most 4.5x, peak memory at most 2x.
The ratios are printed for each step between consecutive sizes, with a mark
where a target is missed. Measure on an idle machine: a busy one inflates both.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import psutil
import yaml

ROOT = Path(__file__).resolve().parents[1]
PIPELINE_FILES = ("dvc.yaml", "params", "stages", "policies", "releases")
STAGES = ("ingest", "scrub", "split", "train", "evaluate", "fairness", "explain", "robustness")
TIME_RATIO_MAX, MEMORY_RATIO_MAX = 4.5, 2.0  # per 4x records (issue 21)


@dataclass(frozen=True)
class Measurement:
    stage: str
    size: int
    seconds: float
    peak_mb: float


def _tree_rss(process: psutil.Process) -> int:
    total = 0
    for member in [process, *process.children(recursive=True)]:
        try:
            total += member.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return total


def run_measured(command: list[str], cwd: Path) -> tuple[float, float]:
    """Run ``command``; its wall seconds and the peak summed RSS (MB) of its process tree."""
    peak = 0
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # noqa: S603
    watched = psutil.Process(child.pid)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            try:
                peak = max(peak, _tree_rss(watched))
            except psutil.NoSuchProcess:
                return
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = child.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if child.returncode != 0:
        tail = "\n".join(stderr.strip().splitlines()[-5:])
        raise SystemExit(f"{' '.join(command)} failed in {cwd} (exit {child.returncode}):\n{tail}")
    return seconds, peak / 2**20


def pipeline_copy(into: Path, size: int, overrides: tuple[str, ...] = ()) -> None:
    """The pipeline's files in ``into``, with params.yaml composed for ``size`` generated notes (and ``overrides``)."""
    for name in PIPELINE_FILES:
        source, target = ROOT / name, into / name
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target)
    compose_params(into, size, overrides)


def compose_params(into: Path, size: int, overrides: tuple[str, ...] = ()) -> None:
    """(Re)write ``into``/params.yaml for ``size`` generated notes and ``overrides``."""
    from vigil.params import compose

    composed = compose(into, [f"data.synthetic.n_records={size}", *overrides])
    (into / "params.yaml").write_text(composed, encoding="utf-8")


def measure_size(size: int, stages: tuple[str, ...]) -> list[Measurement]:
    """Every stage up to the last one asked for runs (later stages need earlier outputs); the asked ones are kept."""
    commands = {name: stage["cmd"] for name, stage in yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"].items()}
    last = max(STAGES.index(s) for s in stages)
    results = []
    with tempfile.TemporaryDirectory(prefix=f"vigil-scale-{size}-") as tmp:
        workdir = Path(tmp)
        pipeline_copy(workdir, size)
        for stage in STAGES[: last + 1]:
            seconds, peak = run_measured(commands[stage].split(), workdir)
            print(f"  {size:>7,} {stage:<11} {seconds:8.1f} s {peak:8.0f} MB", file=sys.stderr, flush=True)
            if stage in stages:
                results.append(Measurement(stage, size, seconds, peak))
    return results


def table(results: list[Measurement], sizes: list[int]) -> str:
    """Markdown: wall s / peak MB per stage and size, then the ratio per step (x marks a missed target)."""
    by = {(m.stage, m.size): m for m in results}
    stages = list(dict.fromkeys(m.stage for m in results))
    header = ["stage", *[f"{s:,} notes" for s in sizes], *[f"x{b // a} records" for a, b in pairwise(sizes)]]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    missed = 0
    for stage in stages:
        cells = [stage, *[f"{by[stage, s].seconds:.1f} s / {by[stage, s].peak_mb:,.0f} MB" for s in sizes]]
        for a, b in pairwise(sizes):
            scale = b / a / 4  # targets are per 4x records
            t = by[stage, b].seconds / by[stage, a].seconds
            m = by[stage, b].peak_mb / by[stage, a].peak_mb
            t_ok, m_ok = t <= TIME_RATIO_MAX * scale, m <= MEMORY_RATIO_MAX * scale
            missed += (not t_ok) + (not m_ok)
            cells.append(f"time x{t:.1f}{'' if t_ok else ' ✗'}, memory x{m:.1f}{'' if m_ok else ' ✗'}")
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines.append(
        f"Targets per 4x records: time at most x{TIME_RATIO_MAX}, peak memory at most x{MEMORY_RATIO_MAX}; "
        f"{missed} missed (✗)."
    )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[12000, 48000, 192000])
    parser.add_argument("--stages", nargs="+", default=list(STAGES), choices=STAGES)
    args = parser.parse_args()
    os.environ.setdefault("DVC_NO_ANALYTICS", "1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
    results = [m for size in sorted(args.sizes) for m in measure_size(size, tuple(args.stages))]
    print(table(results, sorted(args.sizes)))


if __name__ == "__main__":
    main()

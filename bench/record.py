"""Run one bench and keep its output, so the documentation shows measured numbers, not pasted ones.

``python bench/record.py scrub [bench arguments...]`` runs ``bench/scrub.py``, echoes its
output and writes it to ``bench/results/scrub.md`` with what a reader needs to judge it:
the command, the commit, the UTC time, the machine (CPU, cores, BLAS kernel) and the
wall time. ``docs/hooks/generated_pages.py`` builds the Benchmarks page from these files.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"


def machine() -> str:
    import numpy  # noqa: F401  (loads BLAS so threadpoolctl can name its kernel)
    from threadpoolctl import threadpool_info

    model = (
        next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if "model name" in line
            ),
            platform.processor() or platform.machine(),
        )
        if Path("/proc/cpuinfo").exists()
        else platform.machine()
    )
    kernels = sorted({str(i.get("architecture")) for i in threadpool_info() if i.get("user_api") == "blas"})
    blas = ", ".join(kernels) or "unknown"
    return f"{model}, {os.cpu_count()} cores, BLAS kernel {blas}, Python {platform.python_version()}"


def uncommitted_files() -> list[str]:
    """Tracked files that differ from HEAD: a result measured on them is not the commit's alone, so it says so."""
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True, cwd=BENCH
    ).stdout
    paths = (line[3:].strip() for line in status.splitlines() if line.strip())
    return sorted(path for path in paths if not path.startswith("bench/results/"))  # outputs, not inputs


def main(argv: list[str]) -> int:
    if not argv or not (BENCH / f"{argv[0]}.py").is_file():
        known = sorted(p.stem for p in BENCH.glob("*.py") if not p.stem.startswith("_") and p.stem != "record")
        print(f"usage: python bench/record.py NAME [args...]; NAME one of {known}", file=sys.stderr)
        return 2
    name, args = argv[0], argv[1:]
    command = [sys.executable, str(BENCH / f"{name}.py"), *args]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=BENCH).stdout
    changed = uncommitted_files()
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    if result.returncode != 0:
        print(f"bench {name} failed ({result.returncode}); nothing recorded", file=sys.stderr)
        return result.returncode
    RESULTS.mkdir(exist_ok=True)
    header = [
        f"- command: `python bench/{name}.py{' ' + ' '.join(args) if args else ''}`",
        f"- commit: `{commit.strip() or 'unknown'}`"
        + (f" plus uncommitted changes to {', '.join(f'`{f}`' for f in changed)}" if changed else "")
        + f", recorded {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- wall time: {seconds:.0f} s",
        f"- machine: {machine()}",
    ]
    body = "\n".join(header) + "\n\n```text\n" + result.stdout.rstrip() + "\n```\n"
    target = RESULTS / f"{name}.md"
    staged = target.with_suffix(".md.tmp")
    staged.write_text(body, encoding="utf-8")
    staged.replace(target)
    print(f"recorded {target.relative_to(BENCH.parent)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

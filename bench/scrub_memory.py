"""Peak memory of the scrub stage path at N and 4N rows: streaming keeps it flat.

    python bench/scrub_memory.py [--n 10000]

Each size runs in a fresh process; peak RSS is the larger of the main process
and its biggest worker (ru_maxrss). Flat memory means the 4N/N ratio stays
near 1 while a load-everything implementation would grow with N.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
from pathlib import Path


def _measure(n: int) -> dict[str, float]:
    import pandas as pd

    from vigil.data.synthetic import SyntheticConfig, generate
    from vigil.privacy.config import ScrubConfig
    from vigil.privacy.parallel import scrub_parquet

    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "raw.parquet"
        frame, _ = generate(SyntheticConfig(n_records=n, seed=303))
        frame.to_parquet(source, index=False, row_group_size=5000)
        del frame
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        scrub_parquet(source, Path(tmp) / "out.parquet", Path(tmp) / "vault.parquet", ScrubConfig.from_params({}))
        pd.read_parquet(Path(tmp) / "out.parquet", columns=["record_id"])  # the output is complete
    return {
        "rows": n,
        "main_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "main_before_scrub_mb": before / 1024,
        "worker_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_measure(args.child)))
        return 0
    rows = []
    for n in (args.n, 4 * args.n):
        out = subprocess.run([sys.executable, __file__, "--child", str(n)], capture_output=True, text=True, check=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print("| rows | worker peak RSS (MB) | main peak RSS (MB) |")
    print("|---:|---:|---:|")
    for r in rows:
        print(f"| {r['rows']} | {r['worker_peak_mb']:.0f} | {r['main_peak_mb']:.0f} |")
    print(f"worker peak ratio at 4x rows: {rows[1]['worker_peak_mb'] / rows[0]['worker_peak_mb']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

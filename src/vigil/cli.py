"""The ``vigil`` command: repository chores that are not DVC stages.

Sub-commands are added by the capabilities that own them (gate, verify,
retrieve, keys, serve, ...); each parses its arguments here and delegates to
the library, so the command stays a thin shell like the stage scripts.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

from vigil import __version__
from vigil.errors import VigilError
from vigil.log import configure


def _params_compose(args: argparse.Namespace) -> int:
    """Write (or with --check, compare) params.yaml composed from params/."""
    from vigil.io import write_text
    from vigil.params import DEFAULT_PARAMS_FILE, compose

    root = Path(args.repo)
    composed = compose(root, args.overrides)
    target = root / DEFAULT_PARAMS_FILE
    if args.check:
        current = target.read_text(encoding="utf-8") if target.exists() else ""
        if current == composed:
            print(f"{target}: in sync with params/")
            return 0
        diff = difflib.unified_diff(
            current.splitlines(True), composed.splitlines(True), str(target), "composed from params/"
        )
        sys.stdout.writelines(diff)
        print(f"{target}: out of sync with params/ (run: vigil params compose)", file=sys.stderr)
        return 1
    write_text(target, composed)
    print(f"wrote {target}")
    return 0


def _generate(args: argparse.Namespace) -> int:
    """Write a synthetic dataset to CSV/Parquet (e.g. to try the bring-your-own-data path)."""
    from vigil.data.synthetic import SyntheticConfig, generate
    from vigil.io import atomic_path, write_jsonl

    out = Path(args.out)
    if out.suffix not in {".csv", ".parquet"}:
        raise VigilError(f"{out}: output must end in .csv or .parquet")
    frame, gold = generate(SyntheticConfig(n_records=args.n, seed=args.seed), progress=sys.stderr.isatty())
    with atomic_path(out) as staged:
        if out.suffix == ".csv":
            frame.to_csv(staged, index=False)
        else:
            frame.to_parquet(staged, index=False)
    if args.gold:
        write_jsonl(args.gold, gold)
    print(f"wrote {len(frame)} records to {out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vigil", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"vigil {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    params = commands.add_parser("params", help="compose or check params.yaml from the Hydra config in params/")
    params_commands = params.add_subparsers(dest="params_command", required=True)
    compose = params_commands.add_parser("compose", help="compose params/ into params.yaml (as dvc exp run does)")
    compose.add_argument("overrides", nargs="*", help="Hydra overrides, e.g. model=tfidf_logreg seed=7")
    compose.add_argument("--check", action="store_true", help="exit 1 and show a diff when params.yaml differs")
    compose.add_argument("--repo", default=".", help="repository root (default: current directory)")
    compose.set_defaults(handler=_params_compose)

    generate = commands.add_parser("generate", help="write a synthetic service-comment dataset to a file")
    generate.add_argument("--out", required=True, help="output .csv or .parquet")
    generate.add_argument("-n", type=int, default=1000, help="number of records (default 1000)")
    generate.add_argument("--seed", type=int, default=42)
    generate.add_argument("--gold", help="also write gold PII spans (JSON Lines) here")
    generate.set_defaults(handler=_generate)
    return parser


def main(argv: list[str] | None = None) -> int:
    configure()
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except VigilError as exc:
        print(f"vigil: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

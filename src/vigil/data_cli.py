"""The ``vigil data`` commands: bring one's own data (docs/own-data.md)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def _init(args: argparse.Namespace) -> int:
    """Inspect a CSV/Parquet file or part-file directory, write params/data/<name>.yaml (guesses marked), dvc add it."""
    from vigil.onboarding.init_data import init_data

    repo = Path(args.repo)
    source = Path(args.path)
    name = args.name or source.stem.lower().replace("-", "_").replace(" ", "_")
    result = init_data(repo, source, name, args.force)
    found = result.inspection
    print(f"{found.path}: {found.n_rows:,} rows, {len(found.columns)} columns, {found.format}, "
          f"{found.encoding}, delimiter {found.delimiter!r}")  # fmt: skip
    for role in ("record_id", "text", "label", "created_at"):
        guess = getattr(found, role)
        print(f"  {role:<11} {guess.column if guess else '(none found)'}" + (f"  ({guess.why})" if guess else ""))
    print(f"  groups      {', '.join(g.column for g in found.groups) or '(none found)'}")
    if found.rare_labels:
        print(f"  rare labels {', '.join(f'{k} ({v})' for k, v in found.rare_labels.items())}: set to be dropped")
    print(f"wrote {result.config.relative_to(repo)} ({result.to_check} line(s) marked # CHECK to confirm)")
    if result.tracked:
        print(f"tracked {source} with dvc add (commit its .dvc file with the config)")
    else:
        print(
            f"note: {source} is outside the repository; copy it under data/external/ and rerun, so a clone can run it"
        )
    if result.example_organisation_facts:
        first = ", ".join(result.example_organisation_facts[:3])
        print(
            f"note: policies/organisation/organisation.yaml still holds the example's fictitious organisation "
            f"({len(result.example_organisation_facts)} facts, e.g. {first}): the report marks them 'example "
            "placeholder' and DOC-005 blocks a release until you write your organisation's facts there and delete "
            "its 'example: true' line"
        )
    print(f"next: review the # CHECK lines and commit them, then run:  vigil exp run -S data={name}")
    return 0


def add_data_commands(commands: Any) -> None:
    """Register ``data init`` on the ``vigil`` parser."""
    data = commands.add_parser("data", help="your own data: inspect a file and write its data configuration")
    data_commands = data.add_subparsers(dest="data_command", required=True)
    init = data_commands.add_parser(
        "init",
        help="inspect a CSV/Parquet file or a directory of part files, write params/data/<name>.yaml "
        "(guesses marked), dvc add it",
    )
    init.add_argument(
        "path", help="the file (CSV or Parquet) or a directory of its part files, ideally under data/external/"
    )
    init.add_argument("--name", help="data configuration name (default: the file name)")
    init.add_argument("--repo", default=".", help="repository root (default: current directory)")
    init.add_argument("--force", action="store_true", help="replace an existing params/data/<name>.yaml")
    init.set_defaults(handler=_init)

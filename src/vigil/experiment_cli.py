"""``vigil params`` and ``vigil exp``: the data scientist's loop from ``params/`` to a proposal.

``params compose`` writes ``params.yaml`` from ``params/``; ``params absorb`` is the
inverse for a ``params.yaml`` that came from an experiment; ``exp propose`` turns a
finished experiment into a branch whose first commit is the ``params/`` change;
``exp show`` compares experiments in 80 columns; ``exp run`` is ``dvc exp run`` that
leaves the workspace as it was when a stage fails.
"""

from __future__ import annotations

import argparse
import difflib
import json
import shutil
import subprocess
import sys
from pathlib import Path

from vigil.errors import VigilError

STALE_ADVICE = (
    "run `vigil params compose` after editing params/; if params.yaml came from `dvc exp apply`, "
    "`vigil params absorb` writes its values into params/ instead (compose would discard them), "
    "or start again with `vigil exp propose <experiment>`"
)


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
        print(f"{target}: out of sync with params/ ({STALE_ADVICE})", file=sys.stderr)
        return 1
    write_text(target, composed)
    print(f"wrote {target}")
    return 0


def _params_absorb(args: argparse.Namespace) -> int:
    """Edit params/ so that it composes to the current params.yaml (after `dvc exp apply`)."""
    from vigil.experiments.absorb import apply_changes, plan_changes
    from vigil.params import DEFAULT_PARAMS_FILE, load_params

    root = Path(args.repo)
    target = load_params(root / DEFAULT_PARAMS_FILE)
    changes = plan_changes(root, target)
    for change in changes:
        print(change.describe())
    if not changes:
        print("params/ already composes to params.yaml")
    elif not args.dry_run:
        apply_changes(root, changes, target)
        print(f"params/ now composes to {DEFAULT_PARAMS_FILE} ({len(changes)} edit(s))")
    return 0


def _exp_propose(args: argparse.Namespace) -> int:
    """Turn a finished experiment into a branch: the params/ proposal first, generated files second."""
    from vigil.experiments.propose import propose

    result = propose(Path(args.repo), args.experiment, args.branch)
    files, added, deleted = result.proposal_lines
    print(f"branch {result.branch} (on {result.base[:7]}):")
    print(f"  proposal: {files} file(s), +{added}/-{deleted} lines")
    for change in result.changes:
        print(f"    {change.describe()}")
    files, added, deleted = result.generated_lines
    print(
        f"  generated: {files} file(s), +{added}/-{deleted} lines (dvc.lock, reports; "
        "collapsed in GitHub's diff by .gitattributes)"
    )
    print(f"next: dvc push && git push -u origin {result.branch}, then open a pull request")
    return 0


def _exp_run(args: argparse.Namespace) -> int:
    """``dvc exp run ARGS``; a failed run leaves the workspace (and the staged files) as they were."""
    from vigil.experiments.guarded_run import guarded_experiment

    dvc_args = args.dvc_args[1:] if args.dvc_args[:1] == ["--"] else args.dvc_args
    guarded_experiment(Path.cwd(), dvc_args)
    return 0


def _exp_show(args: argparse.Namespace) -> int:
    """Experiments with their changed parameters and headline metrics, no wider than --width."""
    from vigil.experiments.table import render, rows_from_exp_show

    dvc = shutil.which("dvc")
    if dvc is None:
        raise VigilError("dvc not found on PATH (activate the project's .venv)")
    command = [dvc, "exp", "show", "--json", *(["-A"] if args.all_commits else [])]
    done = subprocess.run(command, cwd=args.repo, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise VigilError(f"dvc exp show: {(done.stderr.strip().splitlines() or ['failed'])[-1]}")
    sys.stdout.write(render(rows_from_exp_show(json.loads(done.stdout or "[]")), width=args.width))
    return 0


def add_experiment_commands(commands: argparse._SubParsersAction) -> None:
    """Register ``vigil params ...`` and ``vigil exp ...``."""
    params = commands.add_parser("params", help="compose or check params.yaml from the Hydra config in params/")
    params_commands = params.add_subparsers(dest="params_command", required=True)
    compose = params_commands.add_parser("compose", help="compose params/ into params.yaml (as dvc exp run does)")
    compose.add_argument("overrides", nargs="*", help="Hydra overrides, e.g. model=tfidf_logreg seed=7")
    compose.add_argument("--check", action="store_true", help="exit 1 and show a diff when params.yaml differs")
    compose.add_argument("--repo", default=".", help="repository root (default: current directory)")
    compose.set_defaults(handler=_params_compose)
    absorb = params_commands.add_parser(
        "absorb", help="write params.yaml's values into params/ (after `dvc exp apply`; the inverse of compose)"
    )
    absorb.add_argument("--dry-run", action="store_true", help="only print the edits")
    absorb.add_argument("--repo", default=".", help="repository root (default: current directory)")
    absorb.set_defaults(handler=_params_absorb)

    exp = commands.add_parser("exp", help="experiments: propose one as a branch, compare them in 80 columns")
    exp_commands = exp.add_subparsers(dest="exp_command", required=True)
    propose = exp_commands.add_parser(
        "propose", help="a branch from a finished experiment: params/ edited, then dvc.lock and reports"
    )
    propose.add_argument("experiment", help="experiment name (dvc exp show) or commit")
    propose.add_argument("--branch", help="branch to create (default: exp/<name>)")
    propose.add_argument("--repo", default=".", help="repository root (default: current directory)")
    propose.set_defaults(handler=_exp_propose)
    run = exp_commands.add_parser(
        "run",
        help="dvc exp run with the same arguments; when it fails, the workspace is put back as it was",
        description="Runs `dvc exp run ARGS` in the current directory. When a stage fails, params.yaml, dvc.lock, "
        "the outputs and the staged files are restored to their state before the run, and one line says so.",
    )
    run.add_argument("dvc_args", nargs=argparse.REMAINDER, help="arguments for dvc exp run, e.g. -S data=notes")
    run.set_defaults(handler=_exp_run)
    show = exp_commands.add_parser("show", help="experiments: changed parameters and headline metrics")
    show.add_argument("--width", type=int, default=80, help="table width (default 80)")
    show.add_argument("-A", "--all-commits", action="store_true", help="experiments of every commit")
    show.add_argument("--repo", default=".", help="repository root (default: current directory)")
    show.set_defaults(handler=_exp_show)

"""``vigil exp propose``: from a finished experiment to a branch a reviewer can read.

``dvc exp apply`` alone leaves ``params/`` untouched, so the pull request's
proposal is invisible and ``vigil params compose --check`` fails in CI. Here the
experiment is applied with DVC's own command, its values are written back into
``params/`` (``absorb``), and the branch gets two commits: first the proposal
(``params/`` and ``params.yaml``), then what ``dvc exp run`` generated
(``dvc.lock``, reports), which ``.gitattributes`` marks so GitHub collapses it.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from vigil.compliance.git_objects import run_git
from vigil.errors import VigilError
from vigil.experiments.absorb import Change, apply_changes, plan_changes
from vigil.io import write_text
from vigil.params import CONFIG_DIR, DEFAULT_PARAMS_FILE, compose
from vigil.yaml_text import load_yaml

EXPS_NAMESPACE = "refs/exps/"
INTERNAL_REFS = ("refs/exps/exec/", "refs/exps/celery/", "refs/exps/stash", "refs/exps/apply", "refs/exps/runs")


@dataclass(frozen=True)
class Experiment:
    """A finished experiment: its name, commit and the commit it was run on."""

    name: str
    commit: str
    baseline: str


@dataclass(frozen=True)
class Proposal:
    """What ``propose`` did: the branch, the edits of params/ and the size of each commit."""

    branch: str
    base: str
    changes: list[Change]
    proposal_lines: tuple[int, int, int]  # files, added, deleted (params/ and params.yaml)
    generated_lines: tuple[int, int, int]  # files, added, deleted (dvc.lock, reports, ...)


def _git(root: Path, *args: str) -> str:
    done = run_git(root, *args)
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise VigilError(f"git {' '.join(args)}: {message[-1] if message else 'failed'}")
    return done.stdout.decode("utf-8")


def experiments(root: Path) -> list[Experiment]:
    """Every experiment DVC keeps under ``refs/exps/<baseline[:2]>/<baseline[2:]>/<name>``."""
    listing = _git(root, "for-each-ref", "--format=%(refname) %(objectname)", EXPS_NAMESPACE)
    found = []
    for line in listing.splitlines():
        ref, commit = line.split()
        parts = ref[len(EXPS_NAMESPACE) :].split("/")
        if ref.startswith(INTERNAL_REFS) or len(parts) != 3:
            continue
        found.append(Experiment(name=parts[2], commit=commit, baseline=parts[0] + parts[1]))
    return found


def find_experiment(root: Path, name: str, head: str) -> Experiment:
    """The experiment called ``name`` (or whose commit starts with it) that was run on ``head``."""
    candidates = [
        e for e in experiments(root) if e.name == name or (len(name) >= 7 and e.commit.startswith(name.lower()))
    ]
    on_head = [e for e in candidates if e.baseline == head]
    if on_head:
        return on_head[0]
    if candidates:
        bases = ", ".join(sorted({e.baseline[:7] for e in candidates}))
        raise VigilError(
            f"experiment {name} was run on {bases}, not on HEAD ({head[:7]}): check out that commit "
            "(its params/ are what the experiment overrode), then propose again"
        )
    raise VigilError(f"no experiment named {name} (see `dvc exp show`; queued runs appear when they finish)")


def _changes_not_from(root: Path, commit: str) -> list[str]:
    """Tracked files changed in the working tree whose content is not ``commit``'s.

    ``dvc exp run`` (not queued) leaves the experiment's files in the workspace: those are
    the experiment, not someone's unsaved work, and proposing it must not be refused.
    """
    changed = _git(root, "diff", "--name-only", "-z", "HEAD").split("\0")
    foreign = []
    for path in filter(None, changed):
        there = run_git(root, "rev-parse", "--verify", "--quiet", f"{commit}:{path}")
        if not (root / path).exists():  # deleted here: the experiment's too, when it does not have the file
            if there.returncode == 0:
                foreign.append(path)
            continue
        here = run_git(root, "hash-object", "--", path)
        if there.returncode != 0 or here.stdout.strip() != there.stdout.strip():
            foreign.append(path)
    return foreign


def _numstat(root: Path, base: str, rev: str) -> tuple[int, int, int]:
    files = added = deleted = 0
    for line in _git(root, "diff", "--numstat", base, rev).splitlines():
        plus, minus, _ = line.split("\t", 2)
        files += 1
        added += int(plus) if plus != "-" else 0
        deleted += int(minus) if minus != "-" else 0
    return files, added, deleted


def _summary(changes: list[Change]) -> str:
    shown = "; ".join(f"{c.key.removeprefix('defaults.')}: {c.describe().split(': ', 2)[2]}" for c in changes[:3])
    return shown + (f"; and {len(changes) - 3} more" if len(changes) > 3 else "")


def propose(root: Path, name: str, branch: str | None = None) -> Proposal:
    """Create ``branch`` (default ``exp/<name>``) from HEAD holding the experiment as a proposal."""
    root = Path(_git(root, "rev-parse", "--show-toplevel").strip())
    head = _git(root, "rev-parse", "HEAD").strip()
    experiment = find_experiment(root, name, head)
    foreign = _changes_not_from(root, experiment.commit)
    if foreign:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise VigilError(f"uncommitted changes that are not experiment {name}'s: {shown} (commit or stash them first)")
    branch = branch or f"exp/{experiment.name}"
    if run_git(root, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}").returncode == 0:
        raise VigilError(f"branch {branch} already exists (pass --branch NAME)")
    params_text = _git(root, "show", f"{experiment.commit}:{DEFAULT_PARAMS_FILE}")
    target = load_yaml(params_text)
    changes = plan_changes(root, target)  # before touching anything: a failure here leaves no trace
    if not changes:
        raise VigilError(f"experiment {experiment.name} changes no parameter in params/: nothing to propose")
    original = _git(root, "rev-parse", "--abbrev-ref", "HEAD").strip()
    _git(root, "checkout", "-q", "-b", branch)
    try:
        _apply_experiment(root, experiment.commit)
        apply_changes(root, changes, target)
        composed = compose(root)
        if load_yaml(composed) != target:
            raise VigilError("params/ does not compose to the experiment's params.yaml after the edits")
        write_text(root / DEFAULT_PARAMS_FILE, composed)
        _git(root, "add", "--", CONFIG_DIR, DEFAULT_PARAMS_FILE)
        message = f"Propose experiment {experiment.name}: {_summary(changes)}"
        _git(root, "commit", "-q", "-m", message, "--", CONFIG_DIR, DEFAULT_PARAMS_FILE)
        generated = _git(root, "diff", "--name-only", "HEAD", experiment.commit).split()
        generated = [path for path in generated if path != DEFAULT_PARAMS_FILE and not path.startswith(CONFIG_DIR)]
        if generated:
            _git(root, "add", "-A", "--", *generated)
            _git(
                root,
                "commit",
                "-q",
                "-m",
                f"Results of experiment {experiment.name}: dvc.lock and reports as `dvc exp run` wrote them",
            )
    except BaseException:
        run_git(root, "checkout", "-q", "-f", original)
        run_git(root, "branch", "-D", branch)
        subprocess.run(["dvc", "checkout", "--force", "--quiet"], cwd=root, check=False)  # noqa: S603,S607
        raise
    return Proposal(
        branch=branch,
        base=head,
        changes=changes,
        proposal_lines=_numstat(root, head, "HEAD~1" if generated else "HEAD"),
        generated_lines=_numstat(root, "HEAD~1", "HEAD") if generated else (0, 0, 0),
    )


def _apply_experiment(root: Path, commit: str) -> None:
    """``dvc exp apply``: the experiment's files and outputs into the workspace (DVC's own command)."""
    done = subprocess.run(  # noqa: S603
        ["dvc", "exp", "apply", commit],  # noqa: S607
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        raise VigilError(f"dvc exp apply {commit[:7]}: {lines[-1] if lines else 'failed'}")

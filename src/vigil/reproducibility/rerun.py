"""Re-run committed stages on this machine and compare their outputs with what ``dvc.lock`` records.

Each stage runs alone (``dvc repro --single-item``) on the *committed* versions
of its inputs, in a throw-away clone of the commit, so a difference in one stage
cannot cascade into the next and the user's workspace and cache are never
touched: the clone reads the workspace's DVC cache and writes nothing back
(``--no-commit``), and the run cache is bypassed so the stage really executes.

The committed outputs are what the clone holds before a stage runs: checked out
from the DVC cache, or from git for ``cache: false`` outputs. The stage runs the
committed code too (the clone's ``src`` comes first on ``PYTHONPATH``, ahead of
an editable install of the workspace). The ``report`` stage is not re-run by
default: signing is meant to differ on every run (signing time, key), and its
inputs are the other stages' outputs, which this check covers.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vigil.errors import VigilError
from vigil.log import get_logger
from vigil.reproducibility.compare import Comparison, Verdict, compare_file, compare_model, worst
from vigil.yaml_text import load_yaml

NOT_REPRODUCED_BY_DEFAULT = frozenset({"report"})
PROBE_TEXTS = "data/processed/test.parquet"  # what a model directory's predictions are compared on
MODEL_CARD = "model.json"


@dataclass
class StageResult:
    stage: str
    comparisons: list[Comparison] = field(default_factory=list)
    error: str = ""

    @property
    def verdict(self) -> Verdict:
        if self.error:
            return Verdict.DIFFERENT
        return worst([comparison.verdict for comparison in self.comparisons])

    def largest(self, kinds: set[str]) -> float:
        """Largest measured difference of these kinds (a structural mismatch has no size and is left out)."""
        gaps = [c.max_difference for c in self.comparisons if c.kind in kinds and math.isfinite(c.max_difference)]
        return max(gaps, default=0.0)

    def to_json(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "verdict": self.verdict.value,
            "error": self.error,
            "largest_probability_difference": self.largest({"probability", "table"}),
            "largest_metric_difference": self.largest({"metric"}),
            "outputs": [comparison.to_json() for comparison in self.comparisons],
        }


def _run(args: Sequence[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), cwd=cwd, env=env, capture_output=True, text=True, check=False)  # noqa: S603


def _checked(args: Sequence[str], cwd: Path) -> str:
    result = _run(args, cwd)
    if result.returncode != 0:
        raise VigilError(f"`{' '.join(args)}` failed in {cwd}: {(result.stderr or result.stdout).strip()[-2000:]}")
    return result.stdout


def locked_stages(lock: dict[str, Any], dvc_yaml: dict[str, Any], requested: Sequence[str]) -> list[str]:
    """Stages to re-run, in ``dvc.yaml`` order; unknown or never-run names are an error."""
    ordered = [name for name in dvc_yaml.get("stages", {}) if name in lock.get("stages", {})]
    if not requested:
        return [name for name in ordered if name not in NOT_REPRODUCED_BY_DEFAULT]
    unknown = sorted(set(requested) - set(ordered))
    if unknown:
        raise VigilError(f"dvc.lock: no locked stage named {unknown}; locked: {ordered}")
    return [name for name in ordered if name in requested]


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        shutil.rmtree(target) if target.is_dir() else target.unlink()
    if source.is_dir():
        shutil.copytree(source, target)
    else:
        shutil.copyfile(source, target)


def snapshot(clone: Path, outs: Sequence[dict[str, Any]], into: Path) -> None:
    """Copy the committed outputs (from the DVC cache or from git, as the clone holds them) aside."""
    for out in outs:
        source = clone / out["path"]
        if not source.exists():
            raise VigilError(f"{out['path']}: the committed version is missing (run: dvc pull)")
        _copy(source, into / out["path"])


def restore(clone: Path, outs: Sequence[dict[str, Any]], saved: Path) -> None:
    """Put the committed outputs back, so the next stage reads committed inputs."""
    for out in outs:
        _copy(saved / out["path"], clone / out["path"])


def _covers(a: str, b: str) -> bool:
    return a == b or b.startswith(a.rstrip("/") + "/") or a.startswith(b.rstrip("/") + "/")


def with_upstream(lock: dict[str, Any], names: Sequence[str]) -> list[str]:
    """``names`` and every locked stage whose outputs they read, directly or through another stage."""
    stages = lock.get("stages", {})
    needed, pending = set(names), list(names)
    while pending:
        deps = [dep["path"] for dep in stages[pending.pop()].get("deps", [])]
        for other, entry in stages.items():
            produced = [out["path"] for out in entry.get("outs", [])]
            if other not in needed and any(_covers(dep, out) for dep in deps for out in produced):
                needed.add(other)
                pending.append(other)
    return [name for name in stages if name in needed]


def dvc_cache_dir(repo: Path) -> Path:
    """The DVC cache root of ``repo`` (a configured ``cache.dir`` included)."""
    from dvc.repo import Repo

    with Repo(str(repo)) as dvc:
        return Path(dvc.cache.local.path).parents[1]  # the cache root; files/md5/ lies below it


@contextmanager
def committed_clone(repo: Path, rev: str, stages: Sequence[str]) -> Iterator[Path]:
    """A clone of ``rev`` reading the workspace's DVC cache, with the outputs of ``stages`` checked out."""
    with tempfile.TemporaryDirectory(prefix="vigil-reproduce-") as tmp:
        clone = Path(tmp) / "repo"
        _checked(["git", "clone", "--quiet", "--no-checkout", str(repo), str(clone)], repo)
        _checked(["git", "checkout", "--quiet", "--detach", rev], clone)
        for key, value in (("cache.dir", str(dvc_cache_dir(repo))), ("cache.type", "copy")):
            _checked(["dvc", "config", "--local", key, value], clone)
        checkout = _run(["dvc", "checkout", "--force", *stages], clone)
        if checkout.returncode != 0:
            raise VigilError(
                f"{rev}: committed outputs are missing from the DVC cache (run: dvc pull): "
                f"{(checkout.stderr or checkout.stdout).strip()[-1000:]}"
            )
        yield clone


def _probe_texts(clone: Path) -> list[str]:
    """The committed test split's texts: what two models' predictions are compared on."""
    import pandas as pd

    from vigil.data.schema import TEXT

    path = clone / PROBE_TEXTS
    return pd.read_parquet(path, columns=[TEXT])[TEXT].tolist() if path.is_file() else []


def compare_output(path: str, committed: Path, reproduced: Path, probes: Path, tolerance: float) -> list[Comparison]:
    """Compare one locked output; a directory holding a model card is compared as a model."""
    if committed.is_file():
        return [compare_file(path, committed, reproduced, tolerance)]
    files = {p.relative_to(committed).as_posix() for p in committed.rglob("*") if p.is_file()}
    produced = {p.relative_to(reproduced).as_posix() for p in reproduced.rglob("*") if p.is_file()}
    if produced != files:
        return [Comparison(path, Verdict.DIFFERENT, detail=f"files differ: {sorted(produced ^ files)}")]
    comparisons = [compare_file(f"{path}/{rel}", committed / rel, reproduced / rel, tolerance) for rel in sorted(files)]
    if MODEL_CARD in files and worst([c.verdict for c in comparisons]) is not Verdict.IDENTICAL:
        return [compare_model(path, committed, reproduced, _probe_texts(probes), tolerance)]
    return comparisons


def reproduce(
    repo: Path, stages: Sequence[str] = (), *, rev: str = "HEAD", tolerance: float = 1e-6
) -> list[StageResult]:
    """Re-run ``stages`` (default: every locked stage but ``report``) and compare with the committed lock."""
    log = get_logger("reproduce")
    repo = repo.resolve()
    lock_text = _checked(["git", "show", f"{rev}:dvc.lock"], repo)
    lock = load_yaml(lock_text) or {}
    names = locked_stages(lock, load_yaml(_checked(["git", "show", f"{rev}:dvc.yaml"], repo)) or {}, stages)
    results = []
    with (
        committed_clone(repo, rev, with_upstream(lock, names)) as clone,
        tempfile.TemporaryDirectory(prefix="vigil-committed-") as saved_dir,
    ):
        saved = Path(saved_dir)
        # The committed code runs, not an editable install of the workspace's.
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(clone / "src"), os.environ.get("PYTHONPATH")])),
        }
        for name in names:
            outs = lock["stages"][name].get("outs", [])
            snapshot(clone, outs, saved)
            log.info("re-running stage", extra={"stage": name})
            result = StageResult(name)
            command = ["dvc", "repro", "--single-item", "--force", "--no-commit", "--no-run-cache", name]
            run = _run(command, clone, env)
            if run.returncode != 0:
                result.error = f"the stage failed: {(run.stderr or run.stdout).strip()[-2000:]}"
            else:
                for out in outs:
                    path = out["path"]
                    result.comparisons.extend(compare_output(path, saved / path, clone / path, clone, tolerance))
            log.info("compared", extra={"stage": name, "verdict": result.verdict.value})
            results.append(result)
            restore(clone, outs, saved)
            (clone / "dvc.lock").write_text(lock_text, encoding="utf-8")
    return results


def summary(results: Sequence[StageResult]) -> dict[str, Any]:
    """The machine-readable result: overall verdict, largest differences, and where this ran."""
    import platform

    import numpy  # noqa: F401  (loads the BLAS library, so threadpoolctl can name its kernel)
    import scipy.linalg  # noqa: F401
    from threadpoolctl import threadpool_info

    kernels = sorted({str(info.get("architecture")) for info in threadpool_info() if info.get("user_api") == "blas"})
    return {
        "verdict": worst([result.verdict for result in results]).value,
        "largest_probability_difference": max((r.largest({"probability", "table"}) for r in results), default=0.0),
        "largest_metric_difference": max((r.largest({"metric"}) for r in results), default=0.0),
        "machine": {"processor": platform.machine(), "blas_kernels": kernels, "cpus": os.cpu_count()},
        "stages": [result.to_json() for result in results],
    }

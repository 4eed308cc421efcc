"""``vigil data init``: inspect a file or a directory of part files, write ``params/data/<name>.yaml``,
track the data with DVC.

The data must be inside the repository (DVC tracks it and git keeps only its
``.dvc`` pointer); data elsewhere is configured by path and the user is told to
copy it in, because a run must be reproducible from a clone.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from vigil.compliance.organisation import example_facts, load_organisation
from vigil.errors import VigilError
from vigil.io import atomic_path
from vigil.onboarding.data_config import TO_CHECK, data_config_yaml
from vigil.onboarding.inspection import Inspection, inspect_table
from vigil.onboarding.part_inspection import inspect_parts


@dataclass(frozen=True)
class InitResult:
    """What ``vigil data init`` wrote and what the user does next."""

    config: Path
    inspection: Inspection
    tracked: bool
    to_check: int
    example_organisation_facts: list[str]  # facts of policies/organisation/ still holding the example's values


def init_data(repo: Path, source: Path, name: str, force: bool = False) -> InitResult:
    """Inspect ``source``, write the data configuration, ``dvc add`` the data when it is in the repository."""
    if not source.exists():
        raise VigilError(f"{source}: no such file or directory")
    config = repo / "params" / "data" / f"{name}.yaml"
    if config.exists() and not force:
        raise VigilError(f"{config.relative_to(repo)} exists (pass --force to replace it)")
    inspection = inspect_parts(source) if source.is_dir() else inspect_table(source)
    inside = source.resolve().is_relative_to(repo.resolve())
    relative = source.resolve().relative_to(repo.resolve()).as_posix() if inside else str(source.resolve())
    text = data_config_yaml(inspection, name, relative)
    with atomic_path(config) as staged:
        staged.write_text(text, "utf-8")
    if inside:
        result = subprocess.run(["dvc", "add", relative], cwd=repo, capture_output=True, text=True, timeout=600)
        if result.returncode != 0:
            raise VigilError(f"dvc add {relative}: {(result.stderr or result.stdout).strip().splitlines()[-1:]}")
    example = example_facts(load_organisation(repo))
    return InitResult(config, inspection, inside, text.count(TO_CHECK) - 1, example)  # the header names # CHECK once

"""The pipeline's stages run in the test's own process: every stage's code on its real files, without the
start-up of a Python process and DVC's bookkeeping per stage (about 3 s a stage; DVC's orchestration of the
same graph is tested by the pipeline tests). For tests whose question is what the stages do with some data.
"""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

STAGES = (
    "ingest",
    "name_model",
    "residual_model",
    "scrub",
    "split",
    "train",
    "evaluate",
    "fairness",
    "explain",
    "robustness",
    "report",
)


def run_stages_here(repo: Path, monkeypatch: pytest.MonkeyPatch, case: str) -> None:
    """Every stage of the graph, in `dvc repro`'s order, in this process, in ``repo`` (the report signed with a
    development key, as a local run is); a stage that refuses its input fails the test with the stage's name."""
    import yaml

    assert tuple(yaml.safe_load((repo / "dvc.yaml").read_text())["stages"]) == STAGES  # the graph's own order
    monkeypatch.chdir(repo)
    monkeypatch.setenv("VIGIL_DEV_KEYS", "create")  # under CI=true development keys are off unless asked for
    for stage in STAGES:
        try:
            runpy.run_path(f"stages/{stage}.py", run_name="__main__")
        except SystemExit as exc:  # a VigilError: the stage refused the data in one line (printed above)
            pytest.fail(f"{case}: stage {stage} refused its input (exit {exc.code})")

"""The serving image's Python environment, checked without building the image.

The Dockerfile installs only ``requirements/serve.txt`` (pinned by requirements.lock)
and vigil with ``--no-deps``. Here `vigil serve` runs with every module outside
that set made unimportable, so a new import of the pipeline stack (pandas, dvc,
presidio, ...) on the serving path fails this test instead of the image at start-up.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

import httpx
import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from conftest import REPO_ROOT, free_port, offline_env

SERVE_REQUIREMENTS = REPO_ROOT / "requirements" / "serve.txt"
PIPELINE_ONLY = {"pandas", "pyarrow", "dvc", "presidio-analyzer", "spacy", "weasyprint", "pyhanko", "torch"}

BLOCKING_BOOTSTRAP = """
import importlib.abc, json, sys
blocked = frozenset(json.loads(sys.argv[1]))

class NotInTheImage(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in blocked:
            raise ModuleNotFoundError(f"{name} is not in the serving image", name=name)
        return None

sys.meta_path.insert(0, NotInTheImage())
sys.argv = ["vigil", *sys.argv[2:]]
from vigil.cli import main
sys.exit(main())
"""


def requirement_lines(path: Path) -> list[str]:
    lines = []
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.startswith("-r "):
            lines += requirement_lines(path.parent / line[3:].strip())
        elif line:
            lines.append(line)
    return lines


def distribution_closure(requirements: list[str]) -> set[str]:
    """The named distributions and everything they require (with the requested extras), as installed here."""
    wanted = [Requirement(line) for line in requirements]
    seen: set[str] = set()
    while wanted:
        requirement = wanted.pop()
        name = canonicalize_name(requirement.name)
        extras = requirement.extras
        key = f"{name}[{','.join(sorted(extras))}]"
        if key in seen:
            continue
        seen.add(key)
        seen.add(name)
        for spec in metadata.requires(name) or []:
            dependency = Requirement(spec)
            environments = [{"extra": extra} for extra in extras] or [{"extra": ""}]
            if dependency.marker is None or any(dependency.marker.evaluate(env) for env in environments):
                wanted.append(dependency)
    return {entry for entry in seen if "[" not in entry}


def modules_outside(distributions: set[str]) -> set[str]:
    """Top-level modules installed here that belong to no allowed distribution (the stdlib is not listed)."""
    owners = metadata.packages_distributions()
    return {
        module
        for module, dists in owners.items()
        if not any(canonicalize_name(d) in distributions for d in dists) and module.isidentifier()
    }


def test_serving_requirements_are_pinned_by_the_lock():
    pinned = {
        canonicalize_name(line.split("==")[0])
        for line in (REPO_ROOT / "requirements.lock").read_text().splitlines()
        if "==" in line
    }
    for path in sorted((REPO_ROOT / "requirements").glob("serve*.txt")):
        names = {canonicalize_name(Requirement(line).name) for line in requirement_lines(path)}
        assert names <= pinned, f"{path.name}: not pinned in requirements.lock: {sorted(names - pinned)}"


def test_the_serving_set_excludes_the_pipeline_stack():
    allowed = distribution_closure(requirement_lines(SERVE_REQUIREMENTS))
    assert {"scikit-learn", "fastapi", "uvicorn", "uvloop", "httptools", "prometheus-client"} <= allowed
    assert not (allowed & PIPELINE_ONLY), sorted(allowed & PIPELINE_ONLY)


def test_vigil_serve_runs_with_only_the_image_packages(evidence_repo: Path, tmp_path: Path):
    allowed = distribution_closure(requirement_lines(SERVE_REQUIREMENTS)) | {"vigil"}
    blocked = modules_outside(allowed)
    assert {"pandas", "dvc", "presidio_analyzer", "weasyprint", "pyhanko"} <= blocked  # the check has teeth
    port = free_port()
    log = tmp_path / "serve.log"
    command = [
        sys.executable, "-c", BLOCKING_BOOTSTRAP, json.dumps(sorted(blocked)),
        "serve", "--port", str(port), "--workers", "1", "--model", "models/model", "--allow-development",
        "--manifest", "reports/compliance/manifest.json", "--params", "params.yaml",
    ]  # fmt: skip
    with log.open("w") as handle:
        process = subprocess.Popen(
            command,
            cwd=evidence_repo,
            stdout=handle,
            stderr=subprocess.STDOUT,
            env=offline_env(VIGIL_SERVE_SINK_DIR=str(tmp_path / "sink")),
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                assert process.poll() is None, log.read_text()[-3000:]
                assert time.monotonic() < deadline, "not ready in 60 s"
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            response = httpx.post(f"http://127.0.0.1:{port}/predict", json={"text": "brake pedal soft, fluid leak"})
            assert response.status_code == 200 and response.json()["predictions"][0]["label"] == "brakes"
            model = httpx.get(f"http://127.0.0.1:{port}/model").json()
            assert model["inference_path"] == "compiled:linear-softmax"
        finally:
            process.terminate()
            process.wait(timeout=20)
    assert not re.search(r"is not in the serving image", log.read_text()), log.read_text()[-3000:]


@pytest.mark.parametrize("module", ["pandas", "presidio_analyzer"])
def test_the_blocker_really_blocks(module: str):
    code = BLOCKING_BOOTSTRAP.replace("from vigil.cli import main\nsys.exit(main())", f"import {module}")
    result = subprocess.run([sys.executable, "-c", code, json.dumps([module])], capture_output=True, text=True)
    assert result.returncode != 0 and "is not in the serving image" in result.stderr

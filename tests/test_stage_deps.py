"""`dvc.lock` tells the truth only if every module a stage runs is one of its deps."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
import yaml

from conftest import REPO_ROOT
from import_closure import import_closure

SOURCE_ROOT = REPO_ROOT / "src"


def _stages() -> dict[str, dict]:
    return yaml.safe_load((REPO_ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"]


def _script(stage: dict) -> Path:
    args = shlex.split(stage["cmd"])
    scripts = [arg for arg in args if arg.endswith(".py")]
    assert args[0] == "python" and len(scripts) == 1, f"expected `python stages/<name>.py ...`, got {stage['cmd']!r}"
    return REPO_ROOT / scripts[0]


def _dep_paths(stage: dict) -> list[Path]:
    """Declared deps as paths; templated ones (``${data.source}``) name data, not code."""
    paths = []
    for dep in stage.get("deps", []):
        name = dep if isinstance(dep, str) else next(iter(dep))
        if "${" not in name:
            paths.append((REPO_ROOT / name).resolve())
    return paths


def undeclared_modules(stage: dict) -> list[str]:
    """Files in the stage script's import closure that no declared dep (file or folder) covers."""
    declared = _dep_paths(stage)
    closure = import_closure(_script(stage), SOURCE_ROOT, "vigil") | {_script(stage)}
    missing = [path for path in closure if not any(path == dep or dep in path.parents for dep in declared)]
    return sorted(str(path.relative_to(REPO_ROOT)) for path in missing)


def superfluous_module_deps(stage: dict) -> list[str]:
    """Single Python files declared as deps that the stage never imports (they would re-run it for nothing)."""
    closure = import_closure(_script(stage), SOURCE_ROOT, "vigil")
    return sorted(
        str(dep.relative_to(REPO_ROOT))
        for dep in _dep_paths(stage)
        if dep.suffix == ".py" and SOURCE_ROOT in dep.parents and dep not in closure
    )


@pytest.mark.parametrize("name", sorted(_stages()))
def test_every_module_a_stage_runs_is_one_of_its_deps(name: str):
    missing = undeclared_modules(_stages()[name])
    assert not missing, f"dvc.yaml stage {name!r} runs code it does not depend on; add to its deps: {missing}"


@pytest.mark.parametrize("name", sorted(_stages()))
def test_no_stage_depends_on_a_module_it_never_imports(name: str):
    extra = superfluous_module_deps(_stages()[name])
    assert not extra, f"dvc.yaml stage {name!r} lists modules it never imports; remove from its deps: {extra}"


def test_closure_follows_lazy_imports_registry_strings_and_parent_packages(tmp_path: Path):
    """The analysis itself: each way code gets pulled in is seen, and nothing outside the package is."""
    package = tmp_path / "src" / "pkg"
    (package / "sub" / "templates").mkdir(parents=True)
    (package / "__init__.py").write_text("from pkg import base\n")
    (package / "base.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "templates" / "page.html").write_text("<p>")
    (package / "sub" / "lazy.py").write_text("def f():\n    from . import sibling\n")
    (package / "sub" / "sibling.py").write_text("import json\n")
    (package / "sub" / "registered.py").write_text("")
    (package / "sub" / "registry.py").write_text("FAMILIES = {'x': 'pkg.sub.registered:Thing'}\n")
    (package / "unused.py").write_text("")
    script = tmp_path / "entry.py"
    script.write_text("import os\nfrom pkg.sub.lazy import f\nfrom pkg.sub import registry\n")

    found = {str(p.relative_to(package)) for p in import_closure(script, tmp_path / "src", "pkg")}
    assert found == {
        "__init__.py",
        "base.py",
        "sub/__init__.py",
        "sub/lazy.py",
        "sub/sibling.py",
        "sub/registry.py",
        "sub/registered.py",
        "sub/templates/page.html",
    }


def test_bytecode_python_writes_beside_the_sources_changes_no_stage(pipeline_copy: Path):
    """Running a stage compiles the modules it imports into ``__pycache__`` folders inside the very
    folders that are its deps (``src/vigil/audit``, ...). Unless DVC ignores them, the next
    ``dvc status`` calls the deps modified and the next ``dvc repro`` reruns the stages."""
    import compileall

    from conftest import run

    assert compileall.compile_dir(pipeline_copy / "src", quiet=1)  # __pycache__/*.cpython-311.pyc
    assert compileall.compile_dir(pipeline_copy / "src" / "vigil" / "audit", quiet=1, legacy=True)  # x.pyc beside x.py
    assert list((pipeline_copy / "src" / "vigil" / "audit").glob("__pycache__/*.pyc"))
    status = run(["dvc", "status"], pipeline_copy).stdout
    assert "up to date" in status and "modified" not in status, status

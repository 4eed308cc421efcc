"""The files a Python entry script can execute or read inside one package, found statically.

Why static: ``dvc.yaml`` must name every module a stage runs, and the only honest
source for that list is the code itself. Walking the AST sees imports inside
functions (lazy imports) as well as top-level ones, and dotted strings such as
``"vigil.modeling.tfidf_logreg:TfidfLogReg"`` that a registry hands to
``importlib`` later, which an import hook watching one run would miss for the
branches that run did not take.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

DOTTED_REFERENCE = re.compile(r"^(?P<module>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)(?::[A-Za-z_]\w*)?$")


def module_path(name: str, source_root: Path) -> Path | None:
    """``vigil.a.b`` -> ``<root>/vigil/a/b.py`` or ``<root>/vigil/a/b/__init__.py``; None if neither exists."""
    base = source_root.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _module_name(path: Path, source_root: Path) -> str:
    parts = list(path.relative_to(source_root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def referenced_modules(path: Path, source_root: Path) -> set[str]:
    """Every module name ``path`` imports (anywhere in the file) or names in a dotted string."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    inside_root = source_root in path.parents
    package = _module_name(path, source_root) if inside_root else ""
    if inside_root and path.name != "__init__.py":
        package = package.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            else:
                base = node.module or ""
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)  # `from pkg import submodule`
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            match = DOTTED_REFERENCE.match(node.value)
            if match:
                names.add(match["module"])
    return names


def _package_chain(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def _package_data(package_dir: Path) -> set[Path]:
    """Non-Python files a package ships beside its modules (templates, JSON schemas), in non-package folders too."""
    found: set[Path] = set()
    for child in package_dir.iterdir():
        if child.name == "__pycache__":
            continue
        if child.is_file() and child.suffix not in {".py", ".pyc"}:
            found.add(child)
        elif child.is_dir() and not (child / "__init__.py").exists():
            found.update(p for p in child.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return found


def import_closure(script: Path, source_root: Path, top_package: str) -> set[Path]:
    """Files under ``source_root/top_package`` that running ``script`` can import or read as package data.

    Importing ``a.b.c`` executes ``a/__init__.py`` and ``a/b/__init__.py`` first, so every
    parent package is part of the closure, and what those ``__init__`` files import too.
    """
    seen: set[Path] = set()
    pending = [script]
    while pending:
        current = pending.pop()
        for name in referenced_modules(current, source_root):
            if name.split(".")[0] != top_package:
                continue
            for prefix in _package_chain(name):
                found = module_path(prefix, source_root)
                if found is not None and found not in seen:
                    seen.add(found)
                    pending.append(found)
    data = {item for path in seen if path.name == "__init__.py" for item in _package_data(path.parent)}
    return seen | data

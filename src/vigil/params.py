"""Reading the composed ``params.yaml``: the only configuration stages see.

Stages never run Hydra themselves (docs/architecture.md, "Configuration"): DVC composes
``params/`` into ``params.yaml`` on ``dvc exp run`` and tracks the values each
stage declared, so a stage reading anything else would escape DVC's tracking.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from vigil.errors import VigilError
from vigil.yaml_text import load_yaml

DEFAULT_PARAMS_FILE = "params.yaml"
CONFIG_DIR = "params"
CONFIG_NAME = "config"


def load_params(path: str | os.PathLike[str] = DEFAULT_PARAMS_FILE) -> dict[str, Any]:
    """Load ``params.yaml`` as plain dicts, failing with the file name when it is unusable."""
    try:
        data = load_yaml(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise VigilError(
            f"{path}: not found (run from the repository root, or compose it: vigil params compose)"
        ) from None
    except yaml.YAMLError as exc:
        raise VigilError(f"{path}: invalid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise VigilError(f"{path}: expected a mapping at the top level")
    return data


def require(params: Mapping[str, Any], dotted: str) -> Any:
    """Value at a dotted path, with an error that names the missing key."""
    node: Any = params
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            raise VigilError(f"params.yaml: missing key '{dotted}'")
        node = node[part]
    return node


def flatten(tree: Any, prefix: str = "") -> dict[str, Any]:
    """Dotted leaves of nested mappings (``{"model": {"params": {"C": 1}}}`` -> ``{"model.params.C": 1}``).

    Lists are values: a parameter list changes as a whole. Used wherever two
    ``params.yaml`` (or ``metrics.json``) are compared key by key.
    """
    if isinstance(tree, Mapping):
        out: dict[str, Any] = {}
        for key, value in tree.items():
            out.update(flatten(value, f"{prefix}{key}."))
        return out
    return {prefix[:-1]: tree}


def compose(repo_root: str | os.PathLike[str], overrides: list[str] | None = None) -> str:
    """Compose ``params/`` exactly as ``dvc exp run`` does and return the YAML text.

    Uses DVC's own composition function so the result is byte-identical to the
    file DVC writes; the sync test compares it with the committed ``params.yaml``.
    """
    import tempfile

    from dvc.utils.hydra import compose_and_dump
    from hydra.core.global_hydra import GlobalHydra

    root = Path(repo_root).resolve()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "params.yaml"
        GlobalHydra.instance().clear()
        compose_and_dump(out, str(root / CONFIG_DIR), None, CONFIG_NAME, str(root), list(overrides or []))
        return out.read_text(encoding="utf-8")

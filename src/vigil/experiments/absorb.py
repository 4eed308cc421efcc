"""Write a composed ``params.yaml`` back into the Hydra sources in ``params/``.

``dvc exp run -S model.params.C=0.5`` composes ``params/`` with overrides into
``params.yaml``; the experiment commit holds that file but ``params/`` is unchanged,
so ``dvc exp apply`` leaves the two out of sync and ``vigil params compose`` would
silently throw the experiment's values away. This module is the inverse of the
composition: it finds the group choices and the values that make ``params/``
compose to the experiment's ``params.yaml`` and edits only the lines that carry them,
so the pull request's ``params/`` diff *is* the proposal. Every result is checked
by composing the edited copy before anything in the repository is touched.
"""

from __future__ import annotations

import math
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from vigil.errors import VigilError
from vigil.io import write_text
from vigil.params import CONFIG_DIR, CONFIG_NAME, compose
from vigil.yaml_text import load_yaml

MISSING = object()
Path_ = tuple[str, ...]


@dataclass(frozen=True)
class Change:
    """One edit of a file in ``params/``: a group choice or a value at a dotted key."""

    file: str  # relative to the repository root, e.g. params/model/tfidf_logreg.yaml
    key: str  # dotted key inside that file ("defaults.model" for a group choice)
    before: Any
    after: Any

    def describe(self) -> str:
        before = "(absent)" if self.before is MISSING else _flow(self.before)
        after = "(removed)" if self.after is MISSING else _flow(self.after)
        return f"{self.file}: {self.key}: {before} -> {after}"


@dataclass(frozen=True)
class _Source:
    """A file of the composition, the key prefix it is merged at, in merge order."""

    file: str
    prefix: Path_


def _flow(value: Any) -> str:
    """A value as it is written on one YAML line (``0.5``, ``argmax``, ``[1, 2]``)."""
    text = yaml.safe_dump(value, default_flow_style=True, width=math.inf, allow_unicode=True).strip()
    return text[: -len("...")].strip() if text.endswith("...") else text


def _load(path: Path) -> Any:
    try:
        return load_yaml(path.read_text("utf-8"))
    except yaml.YAMLError as exc:
        raise VigilError(f"{path}: invalid YAML: {exc}") from None


def _leaves(tree: Any, prefix: Path_ = ()) -> dict[Path_, Any]:
    """Dotted leaves of a mapping; lists and scalars are leaves (a list is replaced whole)."""
    if isinstance(tree, Mapping) and tree:
        out: dict[Path_, Any] = {}
        for key, value in tree.items():
            out.update(_leaves(value, (*prefix, str(key))))
        return out
    return {prefix: tree}


def _differences(a: Any, b: Any) -> dict[Path_, tuple[Any, Any]]:
    """Leaves whose value differs between two trees: path -> (value in a, value in b)."""
    left, right = _leaves(a), _leaves(b)
    return {
        path: (left.get(path, MISSING), right.get(path, MISSING))
        for path in sorted(set(left) | set(right))
        if left.get(path, MISSING) != right.get(path, MISSING)
    }


def _defaults(config: Mapping[str, Any], config_file: Path) -> list[tuple[str, str]]:
    """The primary config's defaults list as (group, option), with ("_self_", "") where it sits."""
    entries: list[tuple[str, str]] = []
    for entry in config.get("defaults") or []:
        if entry == "_self_":
            entries.append(("_self_", ""))
        elif isinstance(entry, Mapping) and len(entry) == 1:
            ((group, option),) = entry.items()
            entries.append((str(group), str(option)))
        else:
            raise VigilError(f"{config_file}: defaults entry {entry!r} is not `group: option` (cannot map it back)")
    if ("_self_", "") not in entries:
        entries.append(("_self_", ""))  # Hydra >= 1.1 merges the primary config's own keys last
    return entries


def _sources(root: Path, choices: list[tuple[str, str]]) -> list[_Source]:
    """Files in merge order with the key prefix each is merged at (a group's package is its name)."""
    sources = []
    for group, option in choices:
        if group == "_self_":
            sources.append(_Source(f"{CONFIG_DIR}/{CONFIG_NAME}.yaml", ()))
            continue
        path = root / CONFIG_DIR / group / f"{option}.yaml"
        header = path.read_text("utf-8").splitlines()[:5] if path.is_file() else []
        if any(line.strip().startswith("# @package") for line in header):
            raise VigilError(f"{path}: `# @package` headers are not supported by `vigil exp propose`")
        sources.append(_Source(f"{CONFIG_DIR}/{group}/{option}.yaml", (group,)))
    return sources


def _owner(path: Path_, sources: list[_Source], trees: Mapping[str, Any]) -> tuple[_Source, Path_]:
    """The file whose value wins for ``path``: the last in merge order that defines it.

    A key nobody defines yet goes to the group file whose package holds it, else to config.yaml.
    """
    for source in reversed(sources):
        if path[: len(source.prefix)] != source.prefix:
            continue
        inner = path[len(source.prefix) :]
        if _get(trees[source.file], inner) is not MISSING:
            return source, inner
    for source in reversed(sources):
        if source.prefix and path[: len(source.prefix)] == source.prefix:
            return source, path[len(source.prefix) :]
    primary = next(s for s in sources if not s.prefix)
    return primary, path


def _get(tree: Any, path: Path_) -> Any:
    node = tree
    for part in path:
        if not isinstance(node, Mapping) or part not in node:
            return MISSING
        node = node[part]
    return node


def _choose_groups(root: Path, target: Mapping[str, Any], choices: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """For each group, the option whose composition is closest to ``target`` (fewest differing leaves)."""
    chosen = list(choices)
    for index, (group, current) in enumerate(choices):
        if group == "_self_":
            continue
        options = sorted(p.stem for p in (root / CONFIG_DIR / group).glob("*.yaml"))

        def distance(option: str, index: int = index, group: str = group) -> int:
            overrides = [f"{g}={o}" for g, o in chosen if g != "_self_"]
            overrides[[g for g, _ in chosen if g != "_self_"].index(group)] = f"{group}={option}"
            return len(_differences(load_yaml(compose(root, overrides)), target))

        scores = {option: distance(option) for option in options}
        best = min(options, key=lambda o: (scores[o], o != current))
        chosen[index] = (group, best)
    return chosen


def plan_changes(root: Path, target: Mapping[str, Any]) -> list[Change]:
    """The edits of ``params/`` after which it composes to ``target``; [] when it already does."""
    config_file = root / CONFIG_DIR / f"{CONFIG_NAME}.yaml"
    config = _load(config_file)
    choices = _defaults(config, config_file)
    if load_yaml(compose(root)) == target:
        return []
    chosen = _choose_groups(root, target, choices)
    changes = [
        Change(f"{CONFIG_DIR}/{CONFIG_NAME}.yaml", f"defaults.{group}", before, after)
        for (group, before), (_, after) in zip(choices, chosen, strict=True)
        if before != after
    ]
    overrides = [f"{g}={o}" for g, o in chosen if g != "_self_"]
    sources = _sources(root, chosen)
    trees = {s.file: _load(root / s.file) or {} for s in sources}
    for path, (_, after) in _differences(load_yaml(compose(root, overrides)), target).items():
        source, inner = _owner(path, sources, trees)
        changes.append(Change(source.file, ".".join(inner), _get(trees[source.file], inner), after))
    return changes


def _value_span(line: str, start: int) -> int:
    """End of the value that starts at ``start`` on ``line``: before a trailing ``  # comment``."""
    comment = line.find(" #", start)
    return len(line.rstrip("\n")) if comment < 0 else comment


def _edit_text(text: str, file: str, key: str, after: Any) -> str:
    """``text`` with the one-line value at ``key`` replaced, comments and layout kept."""
    from ruamel.yaml import YAML

    tree = YAML().load(text)
    parts = key.split(".")
    if parts[0] == "defaults" and len(parts) == 2:
        node = next(e for e in tree["defaults"] if hasattr(e, "keys") and parts[1] in e)
        field = parts[1]
    else:
        node = tree
        for part in parts[:-1]:
            node = node.get(part) if hasattr(node, "get") else None
            if node is None:
                raise VigilError(f"{file}: `{key}` is new in the experiment; add it by hand, then run again")
        field = parts[-1]
    if field not in node:
        raise VigilError(f"{file}: `{key}` is new in the experiment; add it by hand, then run again")
    if after is MISSING:
        raise VigilError(f"{file}: the experiment removed `{key}`; remove it by hand, then run again")
    line_no, column = node.lc.value(field)
    lines = text.splitlines(keepends=True)
    line = lines[line_no]
    old = node[field]
    if hasattr(old, "keys") or (isinstance(old, list) and not line[column:].lstrip().startswith("[")):
        raise VigilError(f"{file}: `{key}` spans several lines; edit it by hand, then run again")
    end = _value_span(line, column)
    old_text = line[column:end].rstrip()
    rest = line[column + len(old_text) :].rstrip("\n")  # padding and comment, kept at their column
    new_text = _flow(after)
    if rest.lstrip().startswith("#"):
        padding = len(rest) - len(rest.lstrip())
        rest = " " * max(1, padding + len(old_text) - len(new_text)) + rest.lstrip()
    newline = "\n" if line.endswith("\n") else ""
    lines[line_no] = line[:column] + new_text + rest + newline
    return "".join(lines)


def apply_changes(root: Path, changes: list[Change], target: Mapping[str, Any]) -> None:
    """Edit ``params/`` so it composes to ``target``; checked on a copy first, nothing written on failure."""
    edited: dict[str, str] = {}
    for change in changes:
        text = edited.get(change.file) or (root / change.file).read_text("utf-8")
        edited[change.file] = _edit_text(text, change.file, change.key, change.after)
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(root / CONFIG_DIR, Path(tmp) / CONFIG_DIR)
        for file, text in edited.items():
            (Path(tmp) / file).write_text(text, "utf-8")
        result = load_yaml(compose(Path(tmp)))
    left = _differences(result, target)
    if left:
        keys = ", ".join(".".join(p) for p in list(left)[:5])
        raise VigilError(f"params/ cannot be made to compose to the experiment's params.yaml (differs at {keys})")
    for file, text in edited.items():
        write_text(root / file, text)

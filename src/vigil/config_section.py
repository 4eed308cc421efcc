"""Typed config objects from a ``params.yaml`` section, built one way everywhere.

Why one helper: hand-written ``from_params`` methods restated every default (the
dataclass and the ``.get(key, default)`` could drift apart), and some silently
ignored unknown keys, so a typo such as ``min_grop_size: 50`` ran with the
default and nobody knew. Here the dataclass is the single source of defaults and
types, and a key the section does not know stops the run with one line naming the
file and the dotted key.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Iterator, Mapping
from typing import Any, TypeVar

from vigil.errors import VigilError

T = TypeVar("T")


def _walk(section: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in section.items():
        yield f"{prefix}{key}", value
        if isinstance(value, Mapping):
            yield from _walk(value, f"{prefix}{key}.")


def lookup(section: Mapping[str, Any], dotted: str) -> tuple[bool, Any]:
    """``(found, value)`` at a dotted path; ``found`` tells a missing key from an explicit null."""
    node: Any = section
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return False, None
        node = node[part]
    return True, node


def _coerce(value: Any, hint: Any, where: str) -> Any:
    """Convert a YAML value to the field's declared type; a value that cannot be converted is an error."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        for option in typing.get_args(hint):
            if option is type(None) and value is None:
                return None
        errors = []
        for option in typing.get_args(hint):
            if option is type(None):
                continue
            try:
                return _coerce(value, option, where)
            except VigilError as exc:
                errors.append(str(exc))
        raise VigilError(errors[0])
    if origin is tuple:
        if not isinstance(value, list | tuple):
            raise VigilError(f"{where}: expected a list, got {value!r}")
        args = typing.get_args(hint)
        item = args[0] if args else Any
        return tuple(_coerce(element, item, where) for element in value)
    if hint is bool:
        if not isinstance(value, bool):
            raise VigilError(f"{where}: expected true or false, got {value!r}")
        return value
    if hint in (int, float):
        if isinstance(value, bool) or not isinstance(value, int | float) or (hint is int and value != int(value)):
            raise VigilError(f"{where}: expected {'an integer' if hint is int else 'a number'}, got {value!r}")
        return hint(value)
    if hint is str:
        if isinstance(value, Mapping | list):
            raise VigilError(f"{where}: expected a string, got {value!r}")
        return str(value)
    return value


def from_section(
    cls: type[T],
    section: Mapping[str, Any] | None,
    where: str,
    /,
    *,
    keys: Mapping[str, str] | None = None,
    ignore: tuple[str, ...] = (),
    params_file: str = "params.yaml",
    **fixed: Any,
) -> T:
    """Build dataclass ``cls`` from ``section`` (the params block at dotted path ``where``).

    ``keys`` maps a field to its dotted key inside the section when the two differ
    (``{"resamples": "bootstrap.resamples"}``); ``ignore`` names keys of the same
    section that another consumer reads; ``fixed`` are fields not taken from params
    (a seed, a feature list). Absent keys keep the dataclass default.
    """
    section = dict(section or {})
    hints = typing.get_type_hints(cls)
    fields = [field for field in dataclasses.fields(cls) if field.init and field.name not in fixed]  # type: ignore[arg-type]
    key_of = {field.name: (keys or {}).get(field.name, field.name) for field in fields}
    leaves = set(key_of.values())
    parents = {leaf.rsplit(".", i)[0] for leaf in leaves for i in range(1, leaf.count(".") + 1)}
    for dotted, _ in _walk(section):
        if dotted in leaves or dotted in parents or any(dotted == k or dotted.startswith(k + ".") for k in ignore):
            continue
        if any(dotted.startswith(leaf + ".") for leaf in leaves):
            continue  # inside a mapping-valued field
        raise VigilError(f"{params_file}: {where}.{dotted}: unknown key; known: {sorted(leaves | set(ignore))}")
    values = {}
    for field in fields:
        present, value = lookup(section, key_of[field.name])
        if present:
            values[field.name] = _coerce(value, hints[field.name], f"{params_file}: {where}.{key_of[field.name]}")
        elif field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            raise VigilError(f"{params_file}: {where}.{key_of[field.name]}: missing (it has no default)")
    return cls(**values, **fixed)

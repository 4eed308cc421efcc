"""The metric paths a policy rule can address, generated from the report contracts.

``policies/README.md`` lists them for reviewers; the list is generated from the
schemas' ``description`` fields, so a report key that is renamed, added or removed
changes the documentation in the same commit (``tests/test_contracts.py`` checks
that the README holds exactly what this module renders).

Run ``python -m vigil.contracts.metric_paths --write`` after changing a schema.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from vigil.contracts.reports import RULE_NAMESPACES, report_path, report_schema

START, END = "<!-- metric-paths:start -->", "<!-- metric-paths:end -->"
POLICY_README = Path("policies") / "README.md"


def _resolve(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    reference = node.get("$ref")
    if reference:
        resolved: dict[str, Any] = root["$defs"][reference.rsplit("/", 1)[1]]
        return resolved
    return node


def _rows(node: dict[str, Any], path: str, root: dict[str, Any]) -> Iterator[tuple[str, str]]:
    node = _resolve(node, root)
    if "description" in node:
        yield f"`{path}`", node["description"]
    properties = node.get("properties", {})
    # Sibling keys that share one definition ($ref) are listed once, as {a,b}.
    by_reference: dict[str, list[str]] = {}
    for key, child in properties.items():
        if "$ref" in child:
            by_reference.setdefault(child["$ref"], []).append(key)
    for key, child in properties.items():
        if "$ref" in child:
            group = by_reference[child["$ref"]]
            if key != group[0]:
                continue
            key = group[0] if len(group) == 1 else "{" + ",".join(group) + "}"
        yield from _rows(child, f"{path}.{key}", root)
    extra = node.get("additionalProperties")
    if isinstance(extra, dict):
        yield from _rows(extra, f"{path}.{node.get('x-key', extra.get('x-key', '<key>'))}", root)


def render() -> str:
    """Markdown: one table per addressable report, path and meaning."""
    parts = []
    for name in RULE_NAMESPACES:
        schema = report_schema(name)
        rows = list(_rows({k: v for k, v in schema.items() if k != "description"}, name, schema))
        parts.append(f"`{name}.*` is `{report_path(name)}`: {schema['title'].split(': ', 1)[1]}.\n")
        if rows:
            parts.append("| path | meaning |\n| --- | --- |")
            parts.extend(f"| {path} | {meaning} |" for path, meaning in rows)
        parts.append("")
    return "\n".join(parts).rstrip() + "\n"


def with_section(readme: str, section: str) -> str:
    """``readme`` with the generated section between the markers replaced by ``section``."""
    if START not in readme or END not in readme:
        raise ValueError(f"{POLICY_README} lacks the {START} ... {END} markers")
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{section}{END}{tail}"


def main(argv: list[str]) -> int:
    if "--write" in argv:
        POLICY_README.write_text(with_section(POLICY_README.read_text(encoding="utf-8"), render()), encoding="utf-8")
        print(f"wrote the metric paths into {POLICY_README}")
        return 0
    print(render(), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

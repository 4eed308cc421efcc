"""Which image an overlay runs: the ``images:`` entry of its ``kustomization.yaml``, pinned by digest.

A tag can be moved to other bytes after review; a digest cannot, so overlays pin
``newName`` + ``digest`` and a promotion changes exactly those two lines. The
edit is made on the text (the file's comments explain the overlay to reviewers
and must survive) and checked by parsing the result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vigil.errors import VigilError
from vigil.yaml_text import load_yaml

IMAGE_NAME = "vigil-serve"  # the placeholder name deploy/base/deployment.yaml uses
_REFERENCE = re.compile(r"^(?P<name>[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)+)"
                        r"@(?P<digest>sha256:[0-9a-f]{64})$")  # fmt: skip


@dataclass(frozen=True)
class ImageReference:
    """``registry/repository@sha256:<64 hex>``."""

    name: str
    digest: str

    @classmethod
    def parse(cls, reference: str) -> ImageReference:
        match = _REFERENCE.match(reference.strip())
        if not match:
            raise VigilError(
                f"{reference!r}: expected REGISTRY/REPOSITORY@sha256:<64 hex digits> (a digest, never a tag)"
            )
        return cls(match["name"], match["digest"])

    def __str__(self) -> str:
        return f"{self.name}@{self.digest}"


def pinned_image(kustomization: str, where: str = "kustomization.yaml") -> ImageReference | None:
    """The overlay's pinned image (None when it has no entry for ``IMAGE_NAME``)."""
    document = load_yaml(kustomization) or {}
    for entry in document.get("images") or []:
        if entry.get("name") == IMAGE_NAME:
            if "digest" not in entry or "newName" not in entry:
                raise VigilError(f"{where}: the {IMAGE_NAME} image has no newName and digest to pin")
            return ImageReference(entry["newName"], entry["digest"])
    return None


def pin_image(kustomization: str, image: ImageReference, where: str = "kustomization.yaml") -> str:
    """The kustomization text with the ``IMAGE_NAME`` entry's ``newName`` and ``digest`` set to ``image``."""
    if pinned_image(kustomization, where) is None:
        raise VigilError(f"{where}: no images entry named {IMAGE_NAME} to pin (see deploy/overlays/*/)")
    lines = kustomization.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if re.match(rf"^\s*-\s+name:\s*{IMAGE_NAME}\s*$", line))
    indent = len(lines[start]) - len(lines[start].lstrip(" -"))
    end = start + 1
    while end < len(lines) and (not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) >= indent):
        end += 1
    values = {"newName": image.name, "digest": image.digest}
    for i in range(start + 1, end):
        key = lines[i].strip().split(":", 1)[0]
        if key in values:
            lines[i] = f"{' ' * indent}{key}: {values.pop(key)}\n"
    edited = "".join(lines)
    if pinned_image(edited, where) != image:
        raise VigilError(f"{where}: could not pin {image} (unexpected layout of the images entry)")
    return edited

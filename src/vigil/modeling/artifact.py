"""The saved model directory: family files plus ``model.json``.

``model.json`` is what makes the directory self-describing and auditable:
family, labels in probability-column order, hyper-parameters, the SHA-256 of
every family file (checked before loading), calibration and decision rule, the
digests of the data it was trained on and the library versions that produced it. It
holds no timestamp on purpose: the same inputs give a byte-identical card, so
reproduced runs can be compared by digest (time lives in git and the manifest).
"""

from __future__ import annotations

import hashlib
import json
import platform
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from vigil.errors import VigilError
from vigil.io import atomic_path, dumps_json
from vigil.modeling.integrity import file_digests, verify_files
from vigil.modeling.predictor import Predictor
from vigil.modeling.registry import family_class

MODEL_CARD_FILE = "model.json"


def library_versions(names: tuple[str, ...]) -> dict[str, str]:
    """Versions of ``vigil`` and of the packages the family declares it depends on.

    Only the family's own packages: recording every installed library would make
    the card (and DVC's lock) differ between an environment with the optional
    torch stack and one without, for a model that never touches it.
    """
    versions = {"python": platform.python_version()}
    for name in ("vigil", *names):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def save_model(
    predictor: Predictor,
    directory: str | Path,
    *,
    model_params: Mapping[str, Any],
    data_digests: Mapping[str, str],
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Write the model directory atomically and return the ``model.json`` content."""
    model = predictor.model
    with atomic_path(directory) as staged:
        staged.mkdir()
        files = model.save(staged)
        card = {
            "family": model.family,
            "labels": list(model.classes_),
            "params": dict(model_params.get("params") or {}),
            "files": file_digests(staged, files),
            "training_data": dict(data_digests),
            "libraries": library_versions(model.libraries),
            "describe": model.describe(),
            **predictor.postprocessing_card(),
            **dict(extra or {}),
        }
        (staged / MODEL_CARD_FILE).write_text(dumps_json(card), encoding="utf-8")
    return card


def read_model_card(directory: str | Path) -> dict[str, Any]:
    path = Path(directory) / MODEL_CARD_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise VigilError(f"{path}: not found; is {directory} a model directory written by the train stage?") from None
    except json.JSONDecodeError as exc:
        raise VigilError(f"{path}: invalid JSON: {exc}") from exc


def model_version(directory: str | Path, card: Mapping[str, Any]) -> str:
    """``family@<12 hex of model.json's SHA-256>``: the name the service and the drift metrics give a model."""
    digest = hashlib.sha256((Path(directory) / "model.json").read_bytes()).hexdigest()[:12]
    return f"{card.get('family', 'model')}@{digest}"


def load_model(directory: str | Path) -> Predictor:
    """Verify the files listed in ``model.json``, load the family it names, and apply its post-processing."""
    directory = Path(directory)
    card = read_model_card(directory)
    for key in ("family", "labels", "files"):
        if key not in card:
            raise VigilError(f"{directory / MODEL_CARD_FILE}: missing key {key!r}")
    if not isinstance(card["files"], dict) or not card["files"]:
        raise VigilError(f"{directory / MODEL_CARD_FILE}: 'files' must map each file to its SHA-256")
    verify_files(directory, card["files"])
    model = family_class(card["family"]).load(directory, card.get("params", {}))
    if list(model.classes_) != list(card["labels"]):
        raise VigilError(f"{directory}: labels in {MODEL_CARD_FILE} do not match the weights")
    return Predictor.from_card(model, card)

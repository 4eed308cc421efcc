"""What a Spark executor runs to score: the released model, checked on this executor before it is loaded.

The driver broadcasts the model's files with the manifest's SHA-256 of each. An
executor writes its copy to a private directory, verifies every file against
those hashes (``model_files.load_checked``) and only then unpickles it; the
loaded model is kept for the process's later tasks, as the scrubber is. A
failure names the file, never a note.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa

from vigil.modeling.predictor import Predictor
from vigil.scoring.model_files import load_checked
from vigil.scoring.prediction import score_batch

_LOADED: dict[str, Predictor] = {}


def model_key(digests: Mapping[str, str]) -> str:
    return hashlib.sha256(json.dumps(dict(sorted(digests.items()))).encode()).hexdigest()


def predictor_for(files: Mapping[str, bytes], digests: Mapping[str, str]) -> Predictor:
    """This process's copy of the model, verified and loaded on first use."""
    key = model_key(digests)
    if key not in _LOADED:
        directory = Path(tempfile.mkdtemp(prefix="vigil-model-"))
        atexit.register(shutil.rmtree, directory, True)
        for name, content in files.items():
            path = directory / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        _LOADED[key] = load_checked(directory, digests)
    return _LOADED[key]


class PartitionScorer:
    """The ``mapInArrow`` function: (record_id, text) batches in, scored rows out."""

    def __init__(self, files: Any, digests: Mapping[str, str]) -> None:
        self.files = files  # a Spark broadcast of {relative path: bytes}
        self.digests = dict(digests)

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        predictor = predictor_for(self.files.value, self.digests)
        for batch in batches:
            yield score_batch(predictor, batch)
